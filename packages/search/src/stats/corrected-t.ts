// Paired comparison of two configurations evaluated on the same cross-validation folds.
import { mean, sampleStd, type Interval } from "./describe";
import { tCritical, tTwoSidedP } from "./student-t";

/** Per-fold differences a − b over the folds both have, in fold order. */
export function pairedDifferences(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): { folds: number[]; diffs: number[] } {
  const folds = [...a.keys()].filter((f) => b.has(f)).sort((x, y) => x - y);
  return { folds, diffs: folds.map((f) => a.get(f)! - b.get(f)!) };
}

export interface CorrectedTTest {
  /** Number of paired resamples (folds), J. */
  n: number;
  /** Mean of the differences. */
  meanDiff: number;
  /** Sample standard deviation of the differences. */
  sd: number;
  /** Standard error after the correction: √((1/J + n_test/n_train) · s²). */
  se: number;
  t: number;
  df: number;
  /** Two-sided p-value of H0: mean difference 0. */
  p: number;
  /** Confidence interval of the mean difference, at `level`. */
  ci: Interval;
  level: number;
}

/**
 * Nadeau & Bengio's (2003) corrected resampled t-test. The J differences come from resamples
 * whose training sets overlap, so they are positively correlated and the naive variance s²/J
 * is too small (the plain paired t-test rejects far too often). Their correction replaces 1/J by
 * 1/J + n_test/n_train; for k-fold CV, n_test/n_train = 1/(k − 1). With testTrainRatio = 0 this
 * is the ordinary paired t-test. t has J − 1 degrees of freedom.
 * A zero spread gives t = ±∞ and p = 0 for a nonzero mean (p = 1 for an exactly zero one).
 */
export function correctedResampledTTest(diffs: readonly number[], testTrainRatio: number, level = 0.95): CorrectedTTest | null {
  return diffs.length < 2 ? null : correctedTTestFromSummary(diffs.length, mean(diffs), sampleStd(diffs), testTrainRatio, level);
}

/**
 * The same test from the differences' count, mean and sample standard deviation (what SQL's
 * avg and stddev_samp give over a whole study's fold rows without shipping them).
 */
export function correctedTTestFromSummary(n: number, meanDiff: number, sd: number, testTrainRatio: number, level = 0.95): CorrectedTTest | null {
  if (n < 2 || !(testTrainRatio >= 0)) return null;
  const se = Math.sqrt((1 / n + testTrainRatio) * sd * sd);
  const df = n - 1;
  const half = tCritical(df, level) * se;
  const ci = { lo: meanDiff - half, hi: meanDiff + half };
  // Float rounding turns an exactly constant gap into a variance of ~1e-33; call that zero.
  if (se <= 1e-12 * Math.max(1, Math.abs(meanDiff))) {
    return { n, meanDiff, sd, se: 0, t: meanDiff === 0 ? 0 : Math.sign(meanDiff) * Infinity, df, p: meanDiff === 0 ? 1 : 0, ci: { lo: meanDiff, hi: meanDiff }, level };
  }
  const t = meanDiff / se;
  return { n, meanDiff, sd, se, t, df, p: tTwoSidedP(t, df), ci, level };
}

/** n_test/n_train of k-fold CV on n examples, from the actual fold sizes (≈ 1/(k − 1)). */
export function kFoldTestTrainRatio(folds: number, examples?: number): number {
  if (!(folds >= 2)) return Number.NaN;
  if (examples === undefined || examples < folds) return 1 / (folds - 1);
  const nTest = examples / folds;
  return nTest / (examples - nTest);
}

export interface PairedTest {
  /** Mean of a − b over the shared folds. */
  meanDiff: number;
  t: number;
  df: number;
  p: number;
}

/**
 * Paired t-test of two trials over the folds both have (the folds are the same split for every
 * trial of a study, so scores pair up). With `testTrainRatio` (n_test / n_train) it is the
 * corrected resampled t above; without, the plain paired t-test. Null below two shared folds.
 */
export function pairedTTest(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>, testTrainRatio?: number): PairedTest | null {
  const r = correctedResampledTTest(pairedDifferences(a, b).diffs, testTrainRatio ?? 0);
  return r && { meanDiff: r.meanDiff, t: r.t, df: r.df, p: r.p };
}
