// The statistics a leaderboard shows: a corrected interval per trial, significance groups against
// the best trial and the global rank. Every trial of a study is scored on the same k folds, so
// the fold scores of two trials pair up, and their training sets overlap: the plain t-interval
// and t-test are too narrow / reject too often. The same Nadeau–Bengio correction as the
// ablation's (corrected-t.ts) applies.
import { correctedTTestFromSummary } from "./corrected-t";
import { mean, sampleStd, type Interval } from "./describe";
import { holmAdjust } from "./multiple-comparisons";
import { tCritical } from "./student-t";

const UNBOUNDED: Interval = { lo: -Infinity, hi: Infinity };

/** The values a metric (or the `params` objective) can take; intervals are clipped to them. */
export function metricRange(metric: string): Interval {
  switch (metric) {
    case "accuracy":
    case "f1":
    case "auc":
      return { lo: 0, hi: 1 };
    case "logloss":
    case "mse":
    case "params":
      return { lo: 0, hi: Infinity };
    case "r2":
      return { lo: -Infinity, hi: 1 };
    default:
      return UNBOUNDED;
  }
}

/**
 * Interval (95% by default) of a trial's CV mean over its k fold scores, with the corrected
 * variance: mean ± t_{k−1} · √((1/k + n_test/n_train) · s²), then clipped to `range` (no
 * accuracy above 1). Null below two folds or without a valid ratio.
 */
export function correctedInterval(scores: readonly number[], testTrainRatio: number, range: Interval = UNBOUNDED, level = 0.95): Interval | null {
  const k = scores.length;
  if (k < 2 || !(testTrainRatio >= 0)) return null;
  const m = mean(scores);
  const half = tCritical(k - 1, level) * Math.sqrt(1 / k + testTrainRatio) * sampleStd(scores);
  return { lo: Math.max(range.lo, m - half), hi: Math.min(range.hi, m + half) };
}

/** One trial's fold-by-fold differences from the best trial, summarised (trial − best). */
export interface BestComparison {
  key: string;
  /** Folds both trials have. */
  n: number;
  meanDiff: number;
  /** Sample standard deviation of the differences. */
  sd: number;
}

/** `best`: the best trial; `tied`: not significantly different from it; `worse`: significantly worse. */
export type SignificanceGroup = "best" | "tied" | "worse";

export interface GroupedComparison {
  meanDiff: number;
  /** Corrected paired t-test's two-sided p. */
  p: number;
  /** p after Holm's adjustment over every comparison with the best. */
  pAdjusted: number;
  group: Exclude<SignificanceGroup, "best">;
}

/**
 * Significance groups against the best trial. Each other trial gets the corrected paired t-test
 * against the best over their shared folds; the p-values of all those tests (one family: m =
 * the trials compared, not a page of them) are Holm-adjusted together, and a trial is `worse`
 * where its adjusted p ≤ alpha, else `tied`. Comparisons with fewer than two shared folds get no
 * test and are left out of the family and of the result.
 */
export function significanceGroups(comparisons: readonly BestComparison[], testTrainRatio: number, alpha = 0.05): Map<string, GroupedComparison> {
  const tested = comparisons.flatMap((c) => {
    const t = correctedTTestFromSummary(c.n, c.meanDiff, c.sd, testTrainRatio);
    return t ? [{ key: c.key, meanDiff: c.meanDiff, p: t.p }] : [];
  });
  const adjusted = holmAdjust(tested.map((t) => t.p));
  return new Map(
    tested.map((t, i) => [t.key, { meanDiff: t.meanDiff, p: t.p, pAdjusted: adjusted[i]!, group: adjusted[i]! <= alpha ? "worse" : "tied" }]),
  );
}

/**
 * Global rank (1-based) of each scored trial under the objective's direction; equal scores keep
 * the earlier trial first, as the leaderboard's order does.
 */
export function globalRanks(trials: readonly { key: string; number: number; score: number }[], direction: "maximize" | "minimize"): Map<string, number> {
  const sign = direction === "maximize" ? -1 : 1;
  const sorted = [...trials].sort((a, b) => sign * (a.score - b.score) || a.number - b.number);
  return new Map(sorted.map((t, i) => [t.key, i + 1]));
}
