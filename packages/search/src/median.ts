// Median stopping (Golovin et al. 2017, Google Vizier): stop a trial whose value at a step is
// worse than the median of the completed trials' values at the same step.
import type { PruneContext, PruneDecision, Pruner } from "./types";

export interface MedianOptions {
  /** Completed trials needed before anything is pruned. */
  startupTrials: number;
  /** Epochs (1-based) up to and including this one never prune. */
  warmupEpochs: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export class MedianPruner implements Pruner {
  readonly name = "median";
  constructor(readonly options: MedianOptions) {}

  decide(ctx: PruneContext): PruneDecision {
    if (ctx.epoch <= this.options.warmupEpochs) return { prune: false };
    const completed = ctx.history.filter((t) => t.state === "COMPLETE" && t.number !== ctx.trialNumber);
    if (completed.length < this.options.startupTrials) return { prune: false };
    const others: number[] = [];
    for (const t of completed) {
      const v = t.intermediate.get(ctx.epoch);
      if (v !== undefined && Number.isFinite(v)) others.push(v);
    }
    if (others.length === 0) return { prune: false };
    if (!Number.isFinite(ctx.value)) return { prune: true, reason: `non-finite value at epoch ${ctx.epoch}` };
    const m = median(others);
    const worse = ctx.direction === "maximize" ? ctx.value < m : ctx.value > m;
    return worse ? { prune: true, reason: `${ctx.value} at epoch ${ctx.epoch} is worse than the median ${m} of ${others.length} completed trials` } : { prune: false };
  }
}
