// Per-factor statistics of an ablation: each variant against the base over the shared folds.
import { adjustPValues, correctedResampledTTest, mean, pairedDifferences, type Correction } from "../stats";

export interface AblationArm {
  factor: string;
  variant: string;
  /** Objective score per fold index; empty when the variant's trial has no result. */
  folds: ReadonlyMap<number, number>;
}

export interface AblationRow {
  factor: string;
  variant: string;
  /** Folds paired with the base. */
  n: number;
  /** Mean of the variant's own fold scores. */
  meanScore: number | null;
  /** Mean of variant − base over the paired folds (positive = higher score than the base). */
  meanDiff: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  t: number | null;
  p: number | null;
  /** p after the multiple-comparison correction over every tested variant. */
  pAdjusted: number | null;
  significant: boolean;
}

export interface AblationAnalysisOptions {
  /** n_test/n_train of the resampling; k-fold CV: 1/(k − 1). */
  testTrainRatio: number;
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
  /** Family-wise error control (holm, default) or false discovery rate (bh). */
  correction?: Correction;
  /** Significance threshold on the adjusted p (default 0.05). */
  alpha?: number;
}

/**
 * One row per arm: the Nadeau–Bengio corrected resampled t-test of variant − base, then the
 * p-values of all tested arms adjusted together (an arm without two paired folds is reported but
 * not tested, and does not count in the family).
 */
export function analyzeAblation(base: ReadonlyMap<number, number>, arms: readonly AblationArm[], opts: AblationAnalysisOptions): AblationRow[] {
  const level = opts.level ?? 0.95;
  const alpha = opts.alpha ?? 0.05;
  const tests = arms.map((arm) => correctedResampledTTest(pairedDifferences(arm.folds, base).diffs, opts.testTrainRatio, level));
  const tested = tests.flatMap((t, i) => (t ? [i] : []));
  const adjusted = adjustPValues(tested.map((i) => tests[i]!.p), opts.correction ?? "holm");
  const adjustedOf = new Map(tested.map((armIndex, j) => [armIndex, adjusted[j]!]));
  return arms.map((arm, i) => {
    const t = tests[i];
    const scores = [...arm.folds.values()];
    const pAdjusted = adjustedOf.get(i) ?? null;
    return {
      factor: arm.factor,
      variant: arm.variant,
      n: t?.n ?? 0,
      meanScore: scores.length ? mean(scores) : null,
      meanDiff: t?.meanDiff ?? null,
      ciLow: t?.ci.lo ?? null,
      ciHigh: t?.ci.hi ?? null,
      t: t?.t ?? null,
      p: t?.p ?? null,
      pAdjusted,
      significant: pAdjusted !== null && pAdjusted <= alpha,
    };
  });
}
