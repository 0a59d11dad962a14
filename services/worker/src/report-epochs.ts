import { grpcCall } from "@automl/common";
import { EpochAction, type EpochMetrics, type ReportEpochReply, type TrialReportingClient } from "@automl/proto";
import type { EpochItem } from "./epoch-batches";

function toMetrics({ fold, report: r }: EpochItem): EpochMetrics {
  return {
    fold,
    epoch: r.epoch,
    trainLoss: r.trainLoss,
    validLoss: r.validLoss,
    validMetric: r.validMetric,
    diagnosticsJson: r.diagnostics ? JSON.stringify(r.diagnostics) : "",
  };
}

/**
 * Sends a batch of one trial attempt's epochs: one ReportEpochs when the coordinator said it
 * takes them (TrialSpec.batch_reports), else one ReportEpoch per epoch as before. `retry` wraps
 * each call (the worker's patient retry). The action answers the last epoch; a prune or cancel
 * seen on the way ends the batch.
 */
export async function reportEpochs(
  client: TrialReportingClient,
  items: readonly EpochItem[],
  batched: boolean,
  retry: <T>(call: () => Promise<T>) => Promise<T>,
  trial: { trialId: string; attempt: number; lease: string },
): Promise<EpochAction> {
  if (batched) {
    const reply = await retry(() => grpcCall<ReportEpochReply>((md, o, cb) => client.reportEpochs({ ...trial, metrics: items.map(toMetrics) }, md, o, cb)));
    return reply.action;
  }
  let action = EpochAction.EPOCH_ACTION_CONTINUE;
  for (const it of items) {
    action = (await retry(() => grpcCall<ReportEpochReply>((md, o, cb) => client.reportEpoch({ ...trial, metrics: toMetrics(it) }, md, o, cb)))).action;
    if (action !== EpochAction.EPOCH_ACTION_CONTINUE) break;
  }
  return action;
}
