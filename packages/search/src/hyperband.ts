// Hyperband (Li et al. 2018) as a pruner, the way Optuna's HyperbandPruner runs it in a study
// whose trials are suggested one at a time: brackets of successive halving that differ in how
// early they start to prune. Bracket s has its rungs at minEpochs·η^(s+k) epochs (bracket 0
// prunes from the first epoch budget, the last bracket only at maxEpochs), and each trial belongs
// to one bracket, picked from its trial number alone with Optuna's budget weights (more trials
// in the aggressive brackets), so the decision stays a pure function of the context. A trial
// competes only with the trials of its own bracket: in bracket s nobody is judged on fewer than
// minEpochs·η^s epochs, which is what hedges against a misleading early ranking.
import { rungAt, topFraction } from "./asha";
import type { PruneContext, PruneDecision, Pruner } from "./types";

export interface HyperbandOptions {
  /** Epochs of the first rung of the most aggressive bracket. */
  minEpochs: number;
  /** A trial's full budget in epochs (the study's epochs): fixes the number of brackets. */
  maxEpochs: number;
  /** η: each rung keeps the best 1/η of its bracket. */
  reductionFactor: number;
}

/** Number of brackets: ⌊log_η(maxEpochs / minEpochs)⌋ + 1. */
export function bracketCount(o: HyperbandOptions): number {
  let n = 1;
  for (let e = o.minEpochs * o.reductionFactor; e <= o.maxEpochs; e *= o.reductionFactor) n++;
  return n;
}

/** Optuna's trial allocation: bracket s gets ⌈n·η^(n−1−s)/(n−s)⌉ shares of the trials. */
export function bracketBudgets(o: HyperbandOptions): number[] {
  const n = bracketCount(o);
  return Array.from({ length: n }, (_, s) => Math.ceil((n * o.reductionFactor ** (n - 1 - s)) / (n - s)));
}

/** A 32-bit integer mix (murmur3's finalizer): spreads consecutive trial numbers over the brackets. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The bracket of a trial: a function of its number and the options only. */
export function bracketOf(trialNumber: number, o: HyperbandOptions): number {
  const budgets = bracketBudgets(o);
  let r = mix32(trialNumber) % budgets.reduce((a, b) => a + b, 0);
  for (let s = 0; s < budgets.length; s++) {
    if (r < budgets[s]!) return s;
    r -= budgets[s]!;
  }
  return budgets.length - 1;
}

export class HyperbandPruner implements Pruner {
  readonly name = "hyperband";
  private readonly budgets: number[];

  constructor(readonly options: HyperbandOptions) {
    const { minEpochs, maxEpochs, reductionFactor } = options;
    if (!Number.isInteger(minEpochs) || minEpochs < 1) throw new Error(`pruner.hyperband.minEpochs must be an integer ≥ 1, got ${minEpochs}`);
    if (!Number.isInteger(maxEpochs) || maxEpochs < minEpochs) throw new Error(`pruner.hyperband.maxEpochs must be an integer ≥ minEpochs (${minEpochs}), got ${maxEpochs}`);
    if (!Number.isInteger(reductionFactor) || reductionFactor < 2) throw new Error(`pruner.hyperband.reductionFactor must be an integer ≥ 2, got ${reductionFactor}`);
    this.budgets = bracketBudgets(options);
  }

  bracketOf(trialNumber: number): number {
    return bracketOf(trialNumber, this.options);
  }

  decide(ctx: PruneContext): PruneDecision {
    const { minEpochs, reductionFactor } = this.options;
    const bracket = this.bracketOf(ctx.trialNumber);
    const at = rungAt(ctx.epoch, { minEpochs: minEpochs * reductionFactor ** bracket, reductionFactor });
    if (!at) return { prune: false };
    // Rungs are numbered as ASHA's (epoch = minEpochs·η^rung), whatever the bracket.
    const rung = at.rung + bracket;
    if (ctx.epoch !== at.rungEpoch) return { prune: false, rung };
    if (!Number.isFinite(ctx.value)) return { prune: true, rung, reason: `non-finite value at rung ${rung} (epoch ${at.rungEpoch})` };
    const others: number[] = [];
    for (const t of ctx.history) {
      if (t.number === ctx.trialNumber || this.bracketOf(t.number) !== bracket) continue;
      const v = t.intermediate.get(at.rungEpoch);
      if (v !== undefined) others.push(v);
    }
    const { promoted, keep, n, threshold } = topFraction(ctx.value, others, ctx.direction, reductionFactor);
    if (promoted) return { prune: false, rung };
    return {
      prune: true,
      rung,
      reason: `bracket ${bracket} of ${this.budgets.length}: not in the top ${keep} of ${n} at rung ${rung} (epoch ${at.rungEpoch}): ${ctx.value} vs ${threshold}`,
    };
  }
}
