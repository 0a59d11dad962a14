import { describe, expect, it } from "vitest";
import { AppError } from "@automl/common";
import { createSampler, samplerSchema } from "./config";
import { GridSampler, gridSize } from "./grid";
import { parseSpace } from "./space";
import type { SpaceDef } from "./types";

const small = parseSpace({
  depth: { int: [1, 3] },
  width: { choice: [4, 8], perLayer: true },
  activation: { choice: ["relu", "tanh", "abs"], perLayer: true },
  learningRate: { float: [0.1, 0.3], step: 0.1 },
  batchSize: 16,
  epochs: { int: [5, 15], step: 5 },
});

function enumerate(space: SpaceDef, count: number, seed = 4): string[] {
  const g = new GridSampler();
  return Array.from({ length: count }, (_, number) => JSON.stringify(g.suggest({ space, seed, number, trials: [], directions: ["maximize"] })));
}

describe("grid sampler", () => {
  it("states its size: Σ over depths of the dims present at that depth", () => {
    // per depth d: (2·3)^d per-layer combinations × 3 learning rates × 3 epochs.
    expect(gridSize(small)).toBe((6 + 36 + 216) * 9);
    expect(new GridSampler().size(small)).toBe(2322);
  });

  it("enumerates exactly its size without a repeat, then says it is exhausted", () => {
    const keys = enumerate(small, 2322);
    expect(new Set(keys).size).toBe(2322);
    expect(keys.map((k) => JSON.parse(k).learningRate as number).every((lr) => [0.1, 0.2, 0.3].includes(lr))).toBe(true);
    expect(() => new GridSampler().suggest({ space: small, seed: 4, number: 2322, trials: [], directions: ["maximize"] })).toThrow(/grid exhausted: it has 2322 points/);
    // A seed permutes the order, not the set.
    expect(new Set(enumerate(small, 2322, 5))).toEqual(new Set(keys));
    expect(enumerate(small, 5, 5)).not.toEqual(keys.slice(0, 5));
  });

  it("refuses an infinite grid, naming the dimension", () => {
    const infinite = parseSpace({ depth: 1, width: 8, learningRate: { float: [0.001, 0.1], log: true }, batchSize: 8, epochs: 3 });
    expect(() => gridSize(infinite)).toThrow(AppError);
    expect(() => gridSize(infinite)).toThrow(/space\.learningRate: a float range has infinitely many values/);
  });

  it("with constraints, enumerates the points that satisfy them", () => {
    const limited = { ...small, constraints: { maxParams: 60 } };
    const g = new GridSampler();
    const network = { inputDim: 2, outputDim: 1 };
    const out: string[] = [];
    for (let number = 0; ; number++) {
      try {
        out.push(JSON.stringify(g.suggest({ space: limited, seed: 1, number, trials: [], directions: ["maximize"], network })));
      } catch (err) {
        expect((err as Error).message).toContain("grid exhausted");
        break;
      }
    }
    // Depth 1 (2·4+4 + 4·1+1 = 17 or 2·8+8 + 8+1 = 33 params) always fits; depth 2 only with
    // small layers (4,4): 12 + 20 + 5 = 37; (4,8): 12+40+9 = 61 > 60; (8,4): 24+36+5 = 65.
    // So: depth 1: 6 × 9 = 54 points; depth 2 widths (4,4): 9 activation pairs × 9 = 81. Depth 3 (4,4,4): 12+20+20+5 = 57 fits: 27 × 9 = 243.
    expect(out.length).toBe(54 + 81 + 243);
    expect(new Set(out).size).toBe(out.length);
  });

  it("is chosen by the study file's sampler field", () => {
    expect(createSampler(samplerSchema.parse("grid")).name).toBe("grid");
    expect(createSampler("random").name).toBe("random");
    expect(samplerSchema.parse({ tpe: { startupTrials: 5 } })).toMatchObject({ kind: "tpe", options: { startupTrials: 5, candidates: 24 } });
    expect(samplerSchema.safeParse("cmaes").success).toBe(false);
  });
});
