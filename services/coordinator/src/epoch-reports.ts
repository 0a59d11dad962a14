import { AppError, type Logger } from "@automl/common";
import { EpochAction, type EpochMetrics } from "@automl/proto";
import { TERMINAL } from "./convert";
import { leaseHash, leaseRefused } from "./lease";
import { decidePrune, signalFold } from "./pruning";
import type { Store } from "./store";
import { storedStudyFile } from "./study-file";

const MAX_JSON_FIELD = 512 * 1024;
/** A batch is one trial's epochs since its last report: a fold-0 rung or a time slice apart (worker epoch-batches.ts). */
export const MAX_EPOCHS_PER_REPORT = 10_000;

/** An optional JSON object carried as a string field; malformed input is rejected by name. */
export function parseJsonField(text: string, path: string): object | undefined {
  if (!text) return undefined;
  if (text.length > MAX_JSON_FIELD) throw new AppError("INVALID_ARGUMENT", `${path}: larger than ${MAX_JSON_FIELD} bytes`);
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== "object") throw new Error("not an object");
    return v;
  } catch (err) {
    // JSON.parse quotes the input: a lone surrogate in it would make the gRPC status unsendable.
    throw new AppError("INVALID_ARGUMENT", `${path}: not a JSON object (${(err as Error).message.replace(/\p{Cs}/gu, "\uFFFD")})`);
  }
}

/**
 * ReportEpoch and ReportEpochs: checks and records the epochs of one trial attempt in one
 * statement however many there are, then runs the pruner on each fold-0 epoch in order (reading
 * other trials only at a decision epoch); the answer is about the last epoch.
 * The worker sends a decision epoch last in its batch (it waits there), so a prune always
 * answers the epoch it was decided at, as with one report per epoch.
 */
export async function recordEpochReports(store: Store, log: Logger, method: string, req: { trialId: string; attempt: number; lease: string }, metrics: readonly EpochMetrics[], path: string): Promise<EpochAction> {
  const { trialId, attempt } = req;
  if (metrics.length === 0) throw new AppError("INVALID_ARGUMENT", `${path}: required`);
  if (metrics.length > MAX_EPOCHS_PER_REPORT) throw new AppError("INVALID_ARGUMENT", `${path}: at most ${MAX_EPOCHS_PER_REPORT} epochs per report, got ${metrics.length}`);
  const rows = metrics.map((m, i) => ({ ...m, diagnostics: parseJsonField(m.diagnosticsJson, metrics.length === 1 && path === "metrics" ? "metrics.diagnostics_json" : `${path}[${i}].diagnostics_json`) }));
  // A diverged epoch has no curve point; the divergence is recorded with the outcome.
  const finite = rows.filter((m) => [m.trainLoss, m.validLoss, m.validMetric].every(Number.isFinite));
  const trial = await store.recordEpochs(trialId, attempt, req.lease ? leaseHash(req.lease) : "", finite);
  if (!trial) throw new AppError("NOT_FOUND", `trial ${trialId} not found`);
  // Nothing was written: the caller does not hold the attempt (it stops, as on CANCEL).
  if (!trial.holds) throw leaseRefused(log, method, trialId, attempt);
  if (TERMINAL.includes(trial.status)) return EpochAction.EPOCH_ACTION_CANCEL;
  // A newer delivery owns the trial: the older worker must stop.
  if (trial.status === "RUNNING" && trial.attempt > attempt) return EpochAction.EPOCH_ACTION_CANCEL;
  if (trial.studyStatus !== "RUNNING") return EpochAction.EPOCH_ACTION_CANCEL;
  // Only the study's immutable spec (its pruner) is read from here on: the cached copy does.
  const study = await store.studyForReports(trial.studyId);
  const signal = signalFold(storedStudyFile(study.spec));
  if (!rows.some((m) => m.fold === signal)) return EpochAction.EPOCH_ACTION_CONTINUE;
  if (!study) return EpochAction.EPOCH_ACTION_CONTINUE;
  let rung = trial.rung;
  let action = EpochAction.EPOCH_ACTION_CONTINUE;
  for (const m of rows) {
    const decision = await decidePrune(store, study, trial, m.fold, m.epoch, m.validMetric);
    if (decision.rung !== undefined && (rung === null || decision.rung > rung)) {
      rung = decision.rung;
      await store.raiseRung(trialId, decision.rung);
    }
    if (decision.prune) {
      log.info({ trialId, epoch: m.epoch, rung: decision.rung, reason: decision.reason }, "trial pruned");
      action = EpochAction.EPOCH_ACTION_PRUNE;
      break;
    }
  }
  return action;
}
