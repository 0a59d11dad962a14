import { describe, expect, it } from "vitest";
import { BohbSampler } from "./bohb";
import { createSampler, samplerSchema } from "./config";
import { sampleRandom } from "./random";
import { CONTINUOUS_SPACE, simulateStudy } from "./synthetic";
import { TpeSampler } from "./tpe";
import type { FinishedTrial } from "./types";

// Trials of a study under a rung-based pruner: every trial has a value at epoch 1, every third
// reached epoch 3, every ninth completed 9 epochs.
function prunedStudy(n: number): FinishedTrial[] {
  const base = simulateStudy(new TpeSampler(), CONTINUOUS_SPACE, 3, n).trials;
  return base.map((t, i) => {
    const v = t.values![0]!;
    const intermediate = new Map<number, number>([[1, v - 0.3]]);
    if (i % 3 === 0) intermediate.set(3, v - 0.1);
    if (i % 9 === 0) intermediate.set(9, v);
    return i % 9 === 0 ? { ...t, intermediate } : { number: t.number, params: t.params, state: "PRUNED", intermediate };
  });
}

describe("BOHB sampler", () => {
  it("models the highest fidelity with enough results", () => {
    const s = new BohbSampler({ minPoints: 5, minEpochs: 1, reductionFactor: 3 });
    // 12 trials: 2 complete, 4 reached epoch 3, 12 epoch 1 → epoch 1.
    expect(s.fidelity(prunedStudy(12))).toBe(1);
    // 15: 5 at epoch 3 (epoch 9 has 2) → epoch 3.
    expect(s.fidelity(prunedStudy(15))).toBe(3);
    // 45: 5 complete → the complete trials' values.
    expect(s.fidelity(prunedStudy(45))).toBeUndefined();
    expect(s.fidelity(prunedStudy(3))).toBeNull();
  });

  it("suggests what TPE suggests on the chosen rung's values, or a prior draw on its coin", () => {
    const s = new BohbSampler({ minPoints: 5, randomFraction: 0.5 });
    const tpe = new TpeSampler({ startupTrials: 5 });
    const trials = prunedStudy(15);
    const rung3 = trials.filter((t) => t.intermediate!.has(3)).map((t) => ({ number: t.number, params: t.params, state: "COMPLETE" as const, values: [t.intermediate!.get(3)!] }));
    let model = 0;
    let prior = 0;
    for (let number = 15; number < 55; number++) {
      const ctx = { space: CONTINUOUS_SPACE, seed: 4, number, trials, directions: ["maximize" as const] };
      const got = s.suggest(ctx);
      const fromModel = tpe.suggest({ ...ctx, trials: rung3 });
      const fromPrior = sampleRandom(ctx);
      expect([fromModel, fromPrior]).toContainEqual(got);
      if (JSON.stringify(got) === JSON.stringify(fromModel)) model++;
      else prior++;
    }
    // randomFraction 0.5 over 40 suggestions: both kinds occur.
    expect(model).toBeGreaterThan(8);
    expect(prior).toBeGreaterThan(8);
  });

  it("is a study-file sampler", () => {
    expect(samplerSchema.parse("bohb")).toMatchObject({ kind: "bohb", options: { minEpochs: 1, reductionFactor: 3, minPoints: 10 } });
    expect(createSampler(samplerSchema.parse({ bohb: { reductionFactor: 2, tpe: { gamma: 0.2 } } })).name).toBe("bohb");
    expect(samplerSchema.safeParse({ bohb: { randomFraction: 2 } }).success).toBe(false);
  });
});
