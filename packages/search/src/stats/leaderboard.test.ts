import { describe, expect, it } from "vitest";
import { correctedInterval, globalRanks, mean, metricRange, pairedDifferences, sampleStd, significanceGroups } from "./index";

// A 5-fold study (n_test/n_train = 1/4); A is the best trial. Reference values from scipy 1.10
// (python3-scipy), computed once:
//
//   import numpy as np; from scipy import stats
//   k = 5; r = 1 / (k - 1); tc = stats.t.ppf(0.975, k - 1)
//   for s in folds.values():                       # the corrected interval, clipped to [0, 1]
//       s = np.array(s); h = tc * np.sqrt(1 / k + r) * s.std(ddof=1)
//       print(max(0, s.mean() - h), min(1, s.mean() + h))
//   for n in "BCDE":                               # corrected paired t against A
//       d = np.array(folds[n]) - np.array(folds["A"])
//       t = d.mean() / np.sqrt((1 / k + r) * d.var(ddof=1)); print(t, 2 * stats.t.sf(abs(t), k - 1))
//   # Holm: sorted ascending, p̃(i) = max_{j ≤ i} min(1, (m − j + 1) p(j)), m = 4
const FOLDS: Record<string, number[]> = {
  A: [0.98, 1.0, 0.96, 1.0, 0.99],
  B: [0.97, 0.99, 0.96, 0.98, 0.98],
  C: [0.9, 0.93, 0.88, 0.92, 0.91],
  D: [0.99, 0.97, 0.97, 0.99, 0.97],
  E: [0.6, 0.95, 0.7, 0.99, 0.85],
};
const RATIO = 1 / 4;
const TOL = 1e-10;

const SCIPY_INTERVAL: Record<string, [number, number]> = {
  A: [0.954834480989493, 1], // raw upper bound 1.0171655190105071, clipped
  B: [0.9547642783452659, 0.9972357216547341],
  C: [0.8721741741785003, 0.9438258258214998],
  D: [0.9575973785802523, 0.9984026214197477],
  E: [0.5098708777553793, 1], // raw upper bound 1.1261291222446206, clipped
};
const SCIPY_P: Record<string, number> = { B: 0.10270042749551181, C: 1.3001305766721465e-5, D: 0.5414697392755852, E: 0.1759878972327115 };
const SCIPY_HOLM: Record<string, number> = { B: 0.30810128248653545, C: 5.200522306688586e-5, D: 0.5414697392755852, E: 0.351975794465423 };

const asMap = (xs: number[]) => new Map(xs.map((x, i) => [i, x]));
function comparisonsWithA() {
  return ["B", "C", "D", "E"].map((key) => {
    const { diffs } = pairedDifferences(asMap(FOLDS[key]!), asMap(FOLDS.A!));
    return { key, n: diffs.length, meanDiff: mean(diffs), sd: sampleStd(diffs) };
  });
}

describe("leaderboard statistics", () => {
  it("corrected interval matches scipy and is clipped to the metric's range", () => {
    for (const [key, [lo, hi]] of Object.entries(SCIPY_INTERVAL)) {
      const ci = correctedInterval(FOLDS[key]!, RATIO, metricRange("accuracy"))!;
      expect(ci.lo, key).toBeCloseTo(lo, 10);
      expect(Math.abs(ci.hi - hi), key).toBeLessThan(TOL);
      expect(ci.hi).toBeLessThanOrEqual(1);
    }
    // Unclipped, A's interval goes above 1: the clipping is what keeps it honest.
    expect(correctedInterval(FOLDS.A!, RATIO)!.hi).toBeCloseTo(1.0171655190105071, 10);
    // The correction widens the plain t-interval by √((1/k + r) / (1/k)) = √2.25 = 1.5 here.
    const plain = correctedInterval(FOLDS.C!, 0)!;
    const corrected = correctedInterval(FOLDS.C!, RATIO)!;
    expect((corrected.hi - corrected.lo) / (plain.hi - plain.lo)).toBeCloseTo(1.5, 12);
    expect(correctedInterval([0.9], RATIO)).toBeNull();
  });

  it("metric ranges", () => {
    expect(metricRange("auc")).toEqual({ lo: 0, hi: 1 });
    expect(metricRange("mse")).toEqual({ lo: 0, hi: Infinity });
    expect(metricRange("r2")).toEqual({ lo: -Infinity, hi: 1 });
  });

  it("significance groups: corrected paired t against the best, Holm-adjusted, match scipy", () => {
    const groups = significanceGroups(comparisonsWithA(), RATIO);
    for (const key of ["B", "C", "D", "E"]) {
      const g = groups.get(key)!;
      expect(Math.abs(g.p - SCIPY_P[key]!) / SCIPY_P[key]!, key).toBeLessThan(1e-8);
      expect(Math.abs(g.pAdjusted - SCIPY_HOLM[key]!) / SCIPY_HOLM[key]!, key).toBeLessThan(1e-8);
    }
    // Only C is significantly worse after the adjustment.
    expect([...groups].map(([k, g]) => `${k}:${g.group}`)).toEqual(["B:tied", "C:worse", "D:tied", "E:tied"]);
  });

  it("the family is every comparison: more trials, larger adjusted p", () => {
    const few = significanceGroups(comparisonsWithA().filter((c) => c.key === "B" || c.key === "C"), RATIO);
    const all = significanceGroups(comparisonsWithA(), RATIO);
    // m = 2: C's adjusted p is 2·p_C, B's max(2·p_C, 1·p_B) = p_B.
    expect(few.get("C")!.pAdjusted).toBeCloseTo(2 * SCIPY_P.C!, 15);
    expect(few.get("B")!.pAdjusted).toBeCloseTo(SCIPY_P.B!, 12);
    expect(all.get("C")!.pAdjusted).toBeGreaterThan(few.get("C")!.pAdjusted);
    // A comparison without two shared folds gets no test and does not count in m.
    const withOneFold = significanceGroups([...comparisonsWithA(), { key: "F", n: 1, meanDiff: -0.5, sd: Number.NaN }], RATIO);
    expect(withOneFold.has("F")).toBe(false);
    expect(withOneFold.get("C")!.pAdjusted).toBeCloseTo(SCIPY_HOLM.C!, 15);
  });

  it("global rank follows the objective's direction, ties to the earlier trial", () => {
    const trials = [
      { key: "a", number: 0, score: 0.9 },
      { key: "b", number: 1, score: 0.95 },
      { key: "c", number: 2, score: 0.9 },
      { key: "d", number: 3, score: 0.5 },
    ];
    expect([...globalRanks(trials, "maximize")]).toEqual([["b", 1], ["a", 2], ["c", 3], ["d", 4]]);
    expect([...globalRanks(trials, "minimize")]).toEqual([["d", 1], ["a", 2], ["c", 3], ["b", 4]]);
  });
});
