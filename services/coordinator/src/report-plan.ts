import { prunerSchema, rungAt } from "@automl/search";
import type { StudyFile } from "./study-file";

/** The TrialSpec fields that tell a worker when its epoch reports need an answer. */
export interface ReportPlan {
  batchReports: boolean;
  decisionEpochs: number[];
  decideEveryEpoch: boolean;
}

/**
 * Which of a trial's epochs the coordinator must answer before training goes on. A pruner reads
 * fold 0 only (pruning.ts); ASHA decides at its rung epochs alone (minEpochs·rf^k), the median
 * pruner at any epoch, no pruner never. Every other epoch is only recorded, so the worker sends
 * those in batches without waiting (ReportEpochs), and the curves reach Postgres all the same.
 */
export function reportPlan(file: Pick<StudyFile, "pruner">, epochs: number): ReportPlan {
  const pruner = prunerSchema.parse(file.pruner ?? "none");
  if (pruner.kind === "none") return { batchReports: true, decisionEpochs: [], decideEveryEpoch: false };
  if (pruner.kind === "median") return { batchReports: true, decisionEpochs: [], decideEveryEpoch: true };
  const decisionEpochs: number[] = [];
  for (let e = pruner.options.minEpochs; e <= epochs; e *= pruner.options.reductionFactor) {
    if (rungAt(e, pruner.options)?.rungEpoch === e) decisionEpochs.push(e);
  }
  return { batchReports: true, decisionEpochs, decideEveryEpoch: false };
}
