import { describe, expect, it } from "vitest";
import { AshaPruner, rungAt } from "./asha";
import { createPruner, prunerSchema } from "./config";
import { bracketBudgets, bracketCount, bracketOf, HyperbandPruner } from "./hyperband";
import { MedianPruner, median } from "./median";
import { NopPruner } from "./nop-pruner";
import { describePrunerConformance } from "./pruner.conformance";
import type { TrialCurve } from "./types";

describePrunerConformance("none", () => new NopPruner(), { prunes: false, firstEpoch: 1 });
describePrunerConformance("asha (minEpochs 1, η 3)", () => new AshaPruner({ minEpochs: 1, reductionFactor: 3 }), { prunes: true, firstEpoch: 1 });
describePrunerConformance("asha (minEpochs 3, η 2)", () => new AshaPruner({ minEpochs: 3, reductionFactor: 2 }), { prunes: true, firstEpoch: 3 });
describePrunerConformance("hyperband (1…27 epochs, η 3)", () => new HyperbandPruner({ minEpochs: 1, maxEpochs: 27, reductionFactor: 3 }), { prunes: true, firstEpoch: 1 });
describePrunerConformance("hyperband (3…27 epochs, η 3)", () => new HyperbandPruner({ minEpochs: 3, maxEpochs: 27, reductionFactor: 3 }), { prunes: true, firstEpoch: 3 });
describePrunerConformance("median (5 startup, 2 warm-up epochs)", () => new MedianPruner({ startupTrials: 5, warmupEpochs: 2 }), { prunes: true, firstEpoch: 3 });

const curveOf = (number: number, values: Record<number, number>, state: TrialCurve["state"] = "COMPLETE"): TrialCurve => ({
  number,
  state,
  intermediate: new Map(Object.entries(values).map(([k, v]) => [Number(k), v])),
});

describe("ASHA", () => {
  it("places rungs at minEpochs·η^k", () => {
    const o = { minEpochs: 2, reductionFactor: 3 };
    expect(rungAt(1, o)).toBeUndefined();
    expect(rungAt(2, o)).toEqual({ rung: 0, rungEpoch: 2 });
    expect(rungAt(5, o)).toEqual({ rung: 0, rungEpoch: 2 });
    expect(rungAt(6, o)).toEqual({ rung: 1, rungEpoch: 6 });
    expect(rungAt(18, o)).toEqual({ rung: 2, rungEpoch: 18 });
  });

  it("keeps the top ⌊n/η⌋ at a rung (at least the best) and reports the rung reached", () => {
    const p = new AshaPruner({ minEpochs: 1, reductionFactor: 3 });
    // Eight others at rung 1 (epoch 3): 0.1 … 0.8. With the trial, n = 9: the top 3 continue.
    const history = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => curveOf(i, { 1: 0.5, 3: i / 10 }));
    const decide = (value: number, direction: "maximize" | "minimize" = "maximize") => p.decide({ trialNumber: 0, epoch: 3, value, direction, history });
    expect(decide(0.65)).toMatchObject({ prune: false, rung: 1 }); // 3rd best of 0.65, 0.7, 0.8, …
    expect(decide(0.55)).toMatchObject({ prune: true, rung: 1 }); // 4th
    expect(decide(0.55).reason).toContain("rung 1");
    expect(decide(0.15, "minimize")).toMatchObject({ prune: false }); // 2nd smallest
    expect(decide(0.35, "minimize")).toMatchObject({ prune: true });
    // Between rungs nothing is decided, but the rung reached is reported.
    expect(p.decide({ trialNumber: 0, epoch: 5, value: 0, direction: "maximize", history })).toEqual({ prune: false, rung: 1 });
    // The first trial at a rung competes with itself only.
    expect(p.decide({ trialNumber: 0, epoch: 9, value: 0, direction: "maximize", history })).toEqual({ prune: false, rung: 2 });
    expect(decide(Number.NaN)).toMatchObject({ prune: true });
  });
});

describe("Hyperband", () => {
  const o = { minEpochs: 1, maxEpochs: 27, reductionFactor: 3 };

  it("has Optuna's brackets and trial allocation", () => {
    // Optuna 3.1 HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3): 4 brackets,
    // budgets ceil(4·3^(3−s)/(4−s)) = 27, 12, 6, 4.
    expect(bracketCount(o)).toBe(4);
    expect(bracketBudgets(o)).toEqual([27, 12, 6, 4]);
    expect(bracketCount({ minEpochs: 3, maxEpochs: 27, reductionFactor: 3 })).toBe(3);
    expect(bracketCount({ minEpochs: 1, maxEpochs: 1, reductionFactor: 3 })).toBe(1);
    // Trial numbers spread over the brackets in proportion to the budgets (±15 % of each share).
    const counts = [0, 0, 0, 0];
    for (let t = 0; t < 4900; t++) counts[bracketOf(t, o)]!++;
    [27, 12, 6, 4].forEach((b, s) => expect(Math.abs(counts[s]! - 100 * b)).toBeLessThan(15 * b));
  });

  it("judges a trial only against its own bracket, at that bracket's rungs", () => {
    const p = new HyperbandPruner(o);
    const inBracket = (s: number) => Array.from({ length: 400 }, (_, t) => t).filter((t) => p.bracketOf(t) === s);
    const [me, ...mates] = inBracket(0);
    const strangers = inBracket(1).slice(0, 6);
    const at = (epoch: number, value: number, history: TrialCurve[]) => p.decide({ trialNumber: me!, epoch, value, direction: "maximize", history });
    // Much better trials of another bracket do not count: alone in its bracket, it continues.
    const others = strangers.map((n) => curveOf(n, { 1: 0.9, 3: 0.9, 9: 0.9 }));
    expect(at(1, 0.1, others)).toEqual({ prune: false, rung: 0 });
    // Two better trials of its own bracket at epoch 1: n = 3, the top 1 continues.
    const rivals = mates.slice(0, 2).map((n) => curveOf(n, { 1: 0.5 }));
    expect(at(1, 0.1, [...others, ...rivals])).toMatchObject({ prune: true, rung: 0 });
    expect(at(1, 0.6, [...others, ...rivals])).toMatchObject({ prune: false, rung: 0 });
    // Bracket 1 starts at 3 epochs: nothing before, rung numbers as ASHA's (epoch = η^rung).
    const b1 = strangers[0]!;
    const decideB1 = (epoch: number, value: number) => p.decide({ trialNumber: b1, epoch, value, direction: "maximize", history: strangers.slice(1).map((n) => curveOf(n, { 3: 0.9, 9: 0.9 })) });
    expect(decideB1(1, 0)).toEqual({ prune: false });
    expect(decideB1(2, 0)).toEqual({ prune: false });
    expect(decideB1(3, 0.1)).toMatchObject({ prune: true, rung: 1 });
    expect(decideB1(3, 0.95)).toMatchObject({ prune: false, rung: 1 });
    expect(decideB1(9, 0.1).reason).toContain("bracket 1 of 4");
  });

  it("is a study-file pruner with maxEpochs required", () => {
    expect(prunerSchema.parse({ hyperband: { maxEpochs: 27 } })).toEqual({ kind: "hyperband", options: { minEpochs: 1, maxEpochs: 27, reductionFactor: 3 } });
    expect(createPruner(prunerSchema.parse({ hyperband: { maxEpochs: 9, minEpochs: 1 } })).name).toBe("hyperband");
    expect(prunerSchema.safeParse({ hyperband: {} }).success).toBe(false);
    expect(prunerSchema.safeParse({ hyperband: { maxEpochs: 2, minEpochs: 3 } }).success).toBe(false);
  });
});

describe("median stopping", () => {
  it("compares with the median of completed trials at the same epoch, after startup and warm-up", () => {
    const history = [curveOf(1, { 4: 0.2 }), curveOf(2, { 4: 0.4 }), curveOf(3, { 4: 0.9 }), curveOf(4, { 4: 0.1 }), curveOf(5, { 4: 0.95 }, "RUNNING")];
    // Completed at epoch 4: 0.1, 0.2, 0.4, 0.9 → median 0.3 (the running one does not count).
    expect(median([0.2, 0.4, 0.9, 0.1])).toBeCloseTo(0.3, 12);
    const p = new MedianPruner({ startupTrials: 4, warmupEpochs: 3 });
    const at = (epoch: number, value: number) => p.decide({ trialNumber: 0, epoch, value, direction: "maximize", history });
    expect(at(4, 0.29).prune).toBe(true);
    expect(at(4, 0.31).prune).toBe(false);
    expect(at(3, 0.0).prune).toBe(false); // warm-up
    expect(new MedianPruner({ startupTrials: 5, warmupEpochs: 0 }).decide({ trialNumber: 0, epoch: 4, value: 0, direction: "maximize", history }).prune).toBe(false);
    expect(p.decide({ trialNumber: 0, epoch: 4, value: 0.25, direction: "minimize", history }).prune).toBe(false);
  });
});

describe("pruner field of a study file", () => {
  it("parses names and options, and names bad fields", () => {
    expect(prunerSchema.parse("asha")).toEqual({ kind: "asha", options: { minEpochs: 1, reductionFactor: 3 } });
    expect(prunerSchema.parse({ median: { warmupEpochs: 2 } })).toEqual({ kind: "median", options: { startupTrials: 5, warmupEpochs: 2 } });
    expect(createPruner("none").name).toBe("none");
    expect(createPruner({ kind: "asha", options: { minEpochs: 2, reductionFactor: 2 } }).name).toBe("asha");
    const bad = prunerSchema.safeParse({ asha: { reductionFactor: 1 } });
    expect(bad.success).toBe(false);
  });
});
