// Asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel
// Hyperparameter Tuning"), epochs as the fidelity. Rung k sits at minEpochs·η^k epochs. A trial
// reaching a rung continues only if its value is among the best 1/η of all values recorded at
// that rung so far; asynchronous, so early trials compete with fewer peers (then only the best
// value of the rung continues, as in Optuna, which cannot pause a trial to resume it later).
import type { Direction, PruneContext, PruneDecision, Pruner } from "./types";

export interface AshaOptions {
  /** Epochs before the first rung (r in the paper). */
  minEpochs: number;
  /** η: each rung keeps the best 1/η. */
  reductionFactor: number;
}

/** The highest rung k with minEpochs·η^k ≤ epoch, and that rung's epoch; undefined before rung 0. */
export function rungAt(epoch: number, o: AshaOptions): { rung: number; rungEpoch: number } | undefined {
  if (epoch < o.minEpochs) return undefined;
  let rung = 0;
  let rungEpoch = o.minEpochs;
  while (rungEpoch * o.reductionFactor <= epoch) {
    rungEpoch *= o.reductionFactor;
    rung++;
  }
  return { rung, rungEpoch };
}

/**
 * Successive halving's promotion rule: among `value` and the finite `others` recorded at a rung
 * (n in all), the trial continues when it is within the best ⌊n/η⌋, at least the best one.
 */
export function topFraction(value: number, others: readonly number[], direction: Direction, reductionFactor: number): { promoted: boolean; keep: number; n: number; threshold: number } {
  const max = direction === "maximize";
  const competing = [value, ...others.filter((v) => Number.isFinite(v))].sort((a, b) => (max ? b - a : a - b));
  const keep = Math.max(1, Math.floor(competing.length / reductionFactor));
  const threshold = competing[keep - 1]!;
  return { promoted: max ? value >= threshold : value <= threshold, keep, n: competing.length, threshold };
}

export class AshaPruner implements Pruner {
  readonly name = "asha";
  constructor(readonly options: AshaOptions) {
    if (!Number.isInteger(options.minEpochs) || options.minEpochs < 1) throw new Error(`pruner.asha.minEpochs must be an integer ≥ 1, got ${options.minEpochs}`);
    if (!Number.isInteger(options.reductionFactor) || options.reductionFactor < 2) throw new Error(`pruner.asha.reductionFactor must be an integer ≥ 2, got ${options.reductionFactor}`);
  }

  decide(ctx: PruneContext): PruneDecision {
    const at = rungAt(ctx.epoch, this.options);
    if (!at) return { prune: false };
    const { rung, rungEpoch } = at;
    if (ctx.epoch !== rungEpoch) return { prune: false, rung };
    if (!Number.isFinite(ctx.value)) return { prune: true, rung, reason: `non-finite value at rung ${rung} (epoch ${rungEpoch})` };
    const others: number[] = [];
    for (const t of ctx.history) {
      if (t.number === ctx.trialNumber) continue;
      const v = t.intermediate.get(rungEpoch);
      if (v !== undefined) others.push(v);
    }
    const { promoted, keep, n, threshold } = topFraction(ctx.value, others, ctx.direction, this.options.reductionFactor);
    if (promoted) return { prune: false, rung };
    return {
      prune: true,
      rung,
      reason: `not in the top ${keep} of ${n} at rung ${rung} (epoch ${rungEpoch}): ${ctx.value} vs ${threshold}`,
    };
  }
}
