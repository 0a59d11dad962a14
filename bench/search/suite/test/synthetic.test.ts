// The synthetic objectives' optima: each is exp(-penalty) with non-negative penalty terms, so the
// value is ≤ 1 everywhere; the configuration each names as argmax lies in its space and scores
// exactly 1. The finite categorical space is brute-forced: its maximum over every configuration
// is 1, attained. Random draws never exceed the optimum (noise-free values).
import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { drawPrior, paramsInSpace, type Params, type Scalar } from "@automl/search";
import { SYNTHETIC_OBJECTIVES } from "../synthetic";
import { regret } from "../objective";

function* configurations(space: (typeof SYNTHETIC_OBJECTIVES)[number]["space"]): Generator<Params> {
  const values = (d: { kind: string; choices?: readonly Scalar[]; value?: Scalar; low?: number; high?: number }): Scalar[] => {
    if (d.kind === "fixed") return [d.value!];
    if (d.kind === "choice") return [...d.choices!];
    if (d.kind === "int") return Array.from({ length: d.high! - d.low! + 1 }, (_, i) => d.low! + i);
    throw new Error("not finite");
  };
  const product = <T,>(lists: T[][]): T[][] => lists.reduce<T[][]>((acc, l) => acc.flatMap((a) => l.map((v) => [...a, v])), [[]]);
  const scalars = product([space.learningRate, space.momentum, space.batchSize, space.output!].map(values));
  for (const depth of values(space.depth) as number[]) {
    const layers = product(Array.from({ length: depth }, () => product([values(space.width.dim), values(space.activation.dim)])));
    for (const layer of layers) {
      for (const [learningRate, momentum, batchSize, output] of scalars) {
        yield { depth, widths: layer.map((l) => l[0] as number), activations: layer.map((l) => l[1] as string), learningRate: learningRate as number, momentum: momentum as number, batchSize: batchSize as number, output: output as string, epochs: 20, leakyAlpha: 0.01, maxoutPieces: 2, weightDecay: 0 };
      }
    }
  }
}

describe("synthetic suite objectives", () => {
  for (const obj of SYNTHETIC_OBJECTIVES) {
    it(`${obj.name}: argmax is in the space and attains the optimum; no random draw beats it`, () => {
      expect(paramsInSpace(obj.space, obj.argmax)).toBe(true);
      expect(obj.trueValue(obj.argmax)).toBe(obj.optimum);
      const rng = createRng(7);
      for (let i = 0; i < 20_000; i++) {
        const p = drawPrior(obj.space, rng);
        expect(regret(obj, obj.trueValue(p))).toBeGreaterThanOrEqual(0);
      }
    });
  }

  it("categorical-heavy: brute force over the whole finite space finds the stated optimum", () => {
    const obj = SYNTHETIC_OBJECTIVES.find((o) => o.name === "synthetic/categorical-heavy")!;
    let best = -Infinity;
    let count = 0;
    for (const p of configurations(obj.space)) {
      best = Math.max(best, obj.trueValue(p));
      count++;
    }
    // Σ_{d=1..3} (4·6)^d configurations of layers × 6·3·3·2 of the rest.
    expect(count).toBe((24 + 24 ** 2 + 24 ** 3) * 108);
    expect(best).toBe(obj.optimum);
  });

  it("noisy versions: the noise is seeded (same seed, same value) and centred on the true value", () => {
    const noisy = SYNTHETIC_OBJECTIVES.filter((o) => o.name.endsWith("-noisy"));
    expect(noisy.length).toBeGreaterThanOrEqual(2);
    for (const obj of noisy) {
      expect(obj.evaluate(obj.argmax, 3)).toBe(obj.evaluate(obj.argmax, 3));
      const draws = Array.from({ length: 4000 }, (_, s) => obj.evaluate(obj.argmax, s) - obj.trueValue(obj.argmax));
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      expect(Math.abs(mean)).toBeLessThan(0.002); // 4σ/√n with σ = 0.02
    }
  });
});
