import type { CvOutcome } from "@automl/nn";
import type { TrialSpec } from "@automl/proto";
import type { TrialExecutor } from "./trial-pool";

/** Recorded as the trial's backend, so a benchmark's rows can never pass for trained ones. */
export const BENCH_NOOP_BACKEND = "bench-noop";

/**
 * For `bench/load` only (AUTOML_BENCH_NOOP_TRAINING=true, off by default): answers each trial at
 * once, without data or training, with a score computed from three of its parameters — the
 * counterpart of the trivial 3-parameter objective the Optuna peer is measured with. What remains
 * is the orchestration: queue delivery, StartTrial, CompleteTrial with one row per fold, the ack.
 */
export const benchNoopExecutor: TrialExecutor = {
  async run(spec: TrialSpec): Promise<CvOutcome> {
    const width = spec.widths[0] ?? 1;
    const score = 1 / (1 + (Math.log10(spec.learningRate) + 2) ** 2 + (Math.log2(width) - 4) ** 2 / 16 + spec.batchSize / 1024);
    const folds = Array.from({ length: Math.max(1, spec.folds) }, (_, fold) => ({
      fold,
      status: "completed" as const,
      score,
      loss: 1 - score,
      epochs: 0,
      metrics: { [spec.metric || "accuracy"]: score },
      inputDim: 0,
      paramCount: 0,
    }));
    return { status: "completed", folds, mean: score, std: folds.length > 1 ? 0 : NaN, paramCount: 0, backend: BENCH_NOOP_BACKEND as CvOutcome["backend"] };
  },
  async close() {},
};
