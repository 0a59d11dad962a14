import { describe, expect, it } from "vitest";
import {
  benjaminiHochbergAdjust,
  confidenceInterval,
  correctedResampledTTest,
  holmAdjust,
  kFoldTestTrainRatio,
  mean,
  pairedDifferences,
  pairedTTest,
  sampleStd,
  tCdf,
  tCritical,
  tQuantile,
  tTwoSidedP,
} from "./index";

const folds = (...xs: number[]) => new Map(xs.map((x, i) => [i, x]));

describe("Student t distribution", () => {
  it("CDF: closed forms for df 1 (Cauchy), 2 and 4", () => {
    // df = 1: F(t) = 1/2 + atan(t)/π; df = 2: F(t) = 1/2 + t / (2√(2 + t²));
    // df = 4: F(t) = 1/2 + (3/4)·x·(1 − x²/3) with x = t/√(4 + t²).
    for (const t of [-7, -1, 0, 0.3, 2, 25]) {
      expect(tCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(tCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
      const x = t / Math.sqrt(4 + t * t);
      expect(tCdf(t, 4)).toBeCloseTo(0.5 + 0.75 * x * (1 - (x * x) / 3), 12);
    }
  });

  it("quantiles agree with the printed t table (and scipy.stats.t.ppf) to 6 digits", () => {
    // Two-sided 95% critical values t₀.₉₇₅,df from any t table.
    const table: [number, number][] = [[1, 12.706205], [2, 4.302653], [3, 3.182446], [4, 2.776445], [5, 2.570582], [10, 2.228139], [30, 2.042272], [100, 1.983972]];
    for (const [df, q] of table) expect(tCritical(df)).toBeCloseTo(q, 5);
    expect(tQuantile(0.995, 5)).toBeCloseTo(4.032143, 5);
    expect(tQuantile(0.95, 9)).toBeCloseTo(1.833113, 5);
    expect(tQuantile(0.05, 9)).toBeCloseTo(-1.833113, 5);
    // Fractional degrees of freedom (scipy: t.cdf(-1.5, 3.5), t.ppf(0.999, 2.5)).
    expect(tCdf(-1.5, 3.5)).toBeCloseTo(0.1089090935, 8);
    expect(tQuantile(0.999, 2.5)).toBeCloseTo(13.8221931, 5);
    expect(tQuantile(0.5, 3)).toBe(0);
  });

  it("quantile inverts the CDF", () => {
    for (const df of [1, 2, 3, 7, 40]) for (const p of [0.001, 0.1, 0.6, 0.975, 0.9999]) expect(tCdf(tQuantile(p, df), df)).toBeCloseTo(p, 10);
  });

  it("rejects what is not a distribution", () => {
    expect(tQuantile(1, 3)).toBeNaN();
    expect(tQuantile(0.5, 0)).toBeNaN();
    expect(tTwoSidedP(Number.NaN, 3)).toBeNaN();
    expect(tTwoSidedP(Infinity, 3)).toBe(0);
  });
});

describe("descriptive statistics", () => {
  it("mean, sample std and the 95% t-interval: mean ± t₀.₉₇₅,₄ · s/√5", () => {
    expect(mean([1, 2, 3, 4, 5])).toBe(3);
    expect(sampleStd([1, 2, 3, 4, 5])).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(sampleStd([7])).toBeNaN();
    const ci = confidenceInterval([1, 2, 3, 4, 5])!;
    const half = (2.776445 * Math.sqrt(2.5)) / Math.sqrt(5); // 1.963243
    expect(ci.lo).toBeCloseTo(3 - half, 5);
    expect(ci.hi).toBeCloseTo(3 + half, 5);
    expect(confidenceInterval([0.9])).toBeNull();
  });
});

describe("Nadeau–Bengio corrected resampled t-test (hand-computed)", () => {
  // A variant and its base on the same 5 folds:
  //   variant = [0.92, 0.94, 0.91, 0.93, 0.95], base = [0.90, 0.90, 0.90, 0.90, 0.90]
  //   d = [0.02, 0.04, 0.01, 0.03, 0.05], J = 5, d̄ = 0.15/5 = 0.03
  //   Σ(d − d̄)² = 1e-4 + 1e-4 + 4e-4 + 0 + 4e-4 = 1e-3, s² = 1e-3/4 = 2.5e-4
  //   k-fold: n_test/n_train = 1/(k − 1) = 1/4; factor 1/J + 1/4 = 0.2 + 0.25 = 0.45
  //   se = √(0.45 · 2.5e-4) = √1.125e-4 = 0.010606602, t = 0.03/0.010606602 = 2√2 = 2.8284271, df = 4
  //   p (df 4, x = t/√(4 + t²) = √(2/3)): p = 1 − 2·(3/4)·x·(1 − x²/3) = 1 − (7/6)√(2/3) = 0.0474207
  //   95% CI: 0.03 ± t₀.₉₇₅,₄ · se = 0.03 ± 2.776445 · 0.010606602 = [0.000551, 0.059449]
  //   Uncorrected (factor 1/J): se = √(2.5e-4/5) = 0.0070711, t = 3√2 = 4.2426407,
  //   x = √(9/11), p = 1 − (3/2)·x·(8/11) = 0.0132356 — the naive test is ~3.6× more confident.
  const variant = folds(0.92, 0.94, 0.91, 0.93, 0.95);
  const base = folds(0.9, 0.9, 0.9, 0.9, 0.9);

  it("statistic, p-value and interval", () => {
    const { diffs } = pairedDifferences(variant, base);
    const r = correctedResampledTTest(diffs, kFoldTestTrainRatio(5))!;
    expect(r.n).toBe(5);
    expect(r.df).toBe(4);
    expect(r.meanDiff).toBeCloseTo(0.03, 12);
    expect(r.sd ** 2).toBeCloseTo(2.5e-4, 12);
    expect(r.se).toBeCloseTo(0.010606602, 8);
    expect(r.t).toBeCloseTo(2 * Math.SQRT2, 9);
    expect(r.p).toBeCloseTo(1 - (7 / 6) * Math.sqrt(2 / 3), 9);
    expect(r.p).toBeCloseTo(0.0474207, 6);
    expect(r.ci.lo).toBeCloseTo(0.03 - 2.776445 * 0.010606602, 6);
    expect(r.ci.hi).toBeCloseTo(0.059449, 5);
  });

  it("without the correction it is the ordinary paired t-test", () => {
    const r = correctedResampledTTest(pairedDifferences(variant, base).diffs, 0)!;
    expect(r.t).toBeCloseTo(3 * Math.SQRT2, 9);
    expect(r.p).toBeCloseTo(1 - 1.5 * Math.sqrt(9 / 11) * (8 / 11), 9);
    expect(pairedTTest(variant, base)!.p).toBeCloseTo(0.0132356, 6);
  });

  it("k = 3 folds, n_test/n_train = 1/2: d = [0.1, 0, 0.1] gives t = 2·√(1/3 / (1/3 + 1/2)) = 1.26491", () => {
    // d̄ = 1/15, Σ(d − d̄)² = 2·(1/30)² + (1/15)² = 1/150, s² = 1/300;
    // plain se = √(1/900) = 1/30 → t = 2; corrected se = √(5/6 · 1/300) → t = 2·√0.4.
    const r = pairedTTest(folds(0.9, 0.8, 0.7), folds(0.8, 0.8, 0.6), 1 / 2)!;
    expect(r.t).toBeCloseTo(2 * Math.sqrt(0.4), 10);
    expect(r.p).toBeCloseTo(1 / 3, 8); // df 2: p = 1 − t/√(2 + t²) = 1 − 1.26491/√3.6
  });

  it("pairs by fold index; below two shared folds there is no test", () => {
    const a = new Map([[0, 0.9], [1, 0.8], [2, 0.7]]);
    const b = new Map([[2, 0.6], [1, 0.8], [3, 0.1]]);
    expect(pairedDifferences(a, b)).toEqual({ folds: [1, 2], diffs: [0, 0.7 - 0.6] });
    expect(pairedTTest(a, b)?.df).toBe(1);
    expect(pairedTTest(new Map([[0, 1]]), new Map([[0, 0.5]]))).toBeNull();
  });

  it("identical scores are not different (p = 1); a constant gap is (p = 0, zero-width CI)", () => {
    expect(pairedTTest(folds(0.5, 0.6, 0.7), folds(0.5, 0.6, 0.7))).toMatchObject({ meanDiff: 0, p: 1 });
    const r = correctedResampledTTest([0.1, 0.1, 0.1], 0.5)!;
    expect(r.p).toBe(0);
    expect(r.ci.lo).toBeCloseTo(0.1, 12);
    expect(r.ci.hi).toBeCloseTo(0.1, 12);
  });

  it("n_test/n_train from fold sizes", () => {
    expect(kFoldTestTrainRatio(5)).toBeCloseTo(0.25, 12);
    expect(kFoldTestTrainRatio(3, 300)).toBeCloseTo(100 / 200, 12);
  });
});

describe("multiple-comparison corrections (hand-computed)", () => {
  // p = [0.01, 0.04, 0.03, 0.005], m = 4; sorted 0.005, 0.01, 0.03, 0.04.
  const p = [0.01, 0.04, 0.03, 0.005];

  it("Holm: 4·0.005 = 0.02, 3·0.01 = 0.03, 2·0.03 = 0.06, max(0.06, 1·0.04) = 0.06", () => {
    const adj = holmAdjust(p);
    [0.03, 0.06, 0.06, 0.02].forEach((x, i) => expect(adj[i]).toBeCloseTo(x, 12));
  });

  it("Benjamini–Hochberg: m·p/j = 0.02, 0.02, 0.04, 0.04, then running minimum from the top", () => {
    const adj = benjaminiHochbergAdjust(p);
    [0.02, 0.04, 0.04, 0.02].forEach((x, i) => expect(adj[i]).toBeCloseTo(x, 12));
  });

  it("caps at 1, keeps an empty family empty, refuses a non-probability naming its index", () => {
    expect(holmAdjust([0.6, 0.7])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
    expect(() => holmAdjust([0.1, 1.5])).toThrow(/p\[1\]/);
  });
});
