import { describe, expect, it } from "vitest";
import { confidenceInterval, mean, pairedTTest, sampleStd, tCritical, tTwoSidedP } from "../lib/stats";

const folds = (...xs: number[]) => new Map(xs.map((x, i) => [i, x]));

describe("statistics (hand-computed values)", () => {
  it("mean and sample std", () => {
    expect(mean([1, 2, 3, 4, 5])).toBe(3);
    expect(sampleStd([1, 2, 3, 4, 5])).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(sampleStd([7])).toBeNaN();
  });

  it("Student t: closed forms for df 1 and 2, table values for the 95% quantile", () => {
    // df = 1 is Cauchy: p = 1 − (2/π)·atan|t|; df = 2: p = 1 − t/√(2 + t²).
    expect(tTwoSidedP(1, 1)).toBeCloseTo(0.5, 10);
    expect(tTwoSidedP(2, 2)).toBeCloseTo(1 - 2 / Math.sqrt(6), 10);
    expect(tTwoSidedP(0, 5)).toBeCloseTo(1, 12);
    expect(tCritical(1)).toBeCloseTo(12.7062, 3);
    expect(tCritical(2)).toBeCloseTo(4.3027, 4);
    expect(tCritical(4)).toBeCloseTo(2.7764, 4);
    expect(tCritical(9)).toBeCloseTo(2.2622, 4);
    expect(tCritical(1000)).toBeCloseTo(1.9623, 3);
  });

  it("95% t-interval over folds: mean ± t₀.₉₇₅,₄ · s/√5", () => {
    const ci = confidenceInterval([1, 2, 3, 4, 5])!;
    const half = 2.776445 * Math.sqrt(2.5) / Math.sqrt(5); // 1.963243
    expect(ci.lo).toBeCloseTo(3 - half, 5);
    expect(ci.hi).toBeCloseTo(3 + half, 5);
    expect(confidenceInterval([0.9])).toBeNull();
  });

  it("paired t over shared folds: d = [0.1, 0, 0.1] gives t = 2, df = 2", () => {
    const r = pairedTTest(folds(0.9, 0.8, 0.7), folds(0.8, 0.8, 0.6))!;
    expect(r.meanDiff).toBeCloseTo(1 / 15, 12);
    expect(r.t).toBeCloseTo(2, 10);
    expect(r.df).toBe(2);
    expect(r.p).toBeCloseTo(1 - 2 / Math.sqrt(6), 8); // 0.18350
  });

  it("Nadeau–Bengio: k = 3 folds, n_test/n_train = 1/2 inflates the variance by (1/3 + 1/2)·3", () => {
    const r = pairedTTest(folds(0.9, 0.8, 0.7), folds(0.8, 0.8, 0.6), 1 / 2)!;
    expect(r.t).toBeCloseTo(2 * Math.sqrt(0.4), 10); // 1.26491
    expect(r.p).toBeCloseTo(1 / 3, 8); // 1 − 1.26491/√3.6
  });

  it("pairs only folds present in both; fewer than two shared folds is no test", () => {
    const a = new Map([[0, 0.9], [1, 0.8], [2, 0.7]]);
    const b = new Map([[1, 0.8], [2, 0.6], [3, 0.1]]);
    expect(pairedTTest(a, b)?.df).toBe(1);
    expect(pairedTTest(new Map([[0, 1]]), new Map([[0, 0.5]]))).toBeNull();
  });

  it("identical trials are not different (p = 1); a constant gap is (p = 0)", () => {
    expect(pairedTTest(folds(0.5, 0.6, 0.7), folds(0.5, 0.6, 0.7))).toMatchObject({ meanDiff: 0, p: 1 });
    expect(pairedTTest(folds(0.6, 0.7, 0.8), folds(0.5, 0.6, 0.7))?.p).toBe(0);
  });
});
