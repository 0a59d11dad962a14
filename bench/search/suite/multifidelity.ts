// The multi-fidelity section of the suite: samplers with and without pruners on the curve tables,
// measured in EPOCHS spent (one epoch = one epoch of one configuration, its folds trained side by
// side; the pruning signal is the mean over folds after that epoch, as `cv: { interleave: true }`
// gives a study). A run goes on until it has spent the budget: as many epochs as MF_TRIALS full
// trainings (160 × 27 epochs by default). Regret at a checkpoint is that of the best trial
// COMPLETED within that many epochs (a pruned trial has no final score).
// Reported per table: how many epochs each method's seed-averaged regret curve needs to reach
// random search's final seed-averaged regret, as a fraction of random's epochs (target ≤ 1/3).
import { AshaPruner, AutoSampler, BohbSampler, HyperbandPruner, RandomSampler, TpeSampler, type FinishedTrial, type Params, type Pruner, type Sampler, type TrialCurve } from "@automl/search";
import type { Method } from "./methods";
import { regret, type SuiteObjective } from "./objective";

/** Hyperband over 1, 3, 9, 27 epochs; ASHA's rungs at 3, 9, 27 (after one epoch the ranking is mostly noise: bench/search/efficiency.ts measured it). */
export const MF_EPOCHS = 27;
const HB = { minEpochs: 1, maxEpochs: MF_EPOCHS, reductionFactor: 3 };
const ASHA = { minEpochs: 3, reductionFactor: 3 };

/** Every multi-fidelity method; SUITE_MF_METHODS selects among these (exact names). Longest-running first. */
export const MF_METHODS: readonly Method[] = [
  { name: "optuna:tpe+hyperband", side: "optuna", optuna: "tpe", optunaPruner: { kind: "hyperband", minResource: HB.minEpochs, maxResource: HB.maxEpochs, reductionFactor: HB.reductionFactor } },
  { name: "optuna:tpe+sha", side: "optuna", optuna: "tpe", optunaPruner: { kind: "sha", minResource: ASHA.minEpochs, reductionFactor: ASHA.reductionFactor } },
  { name: "ours:tpe+asha", side: "ours", make: () => new TpeSampler(), pruner: () => new AshaPruner(ASHA) },
  { name: "ours:bohb", side: "ours", make: () => new BohbSampler({ minEpochs: HB.minEpochs, reductionFactor: HB.reductionFactor }), pruner: () => new HyperbandPruner(HB) },
  { name: "ours:auto+asha", side: "ours", make: () => new AutoSampler(), pruner: () => new AshaPruner(ASHA) },
  { name: "optuna:tpe", side: "optuna", optuna: "tpe" },
  { name: "ours:auto", side: "ours", make: () => new AutoSampler() },
  { name: "ours:random+hyperband", side: "ours", make: () => new RandomSampler(), pruner: () => new HyperbandPruner(HB) },
  { name: "ours:random", side: "ours", make: () => new RandomSampler() },
];
/** What the efficiency ratio is measured against: random search, every trial trained fully. */
export const MF_BASELINE = "ours:random";

/** A run stops after this many trials even if epochs are left (never reached with these pruners). */
const MAX_TRIALS = 5000;

/** One trial's outcome in a multi-fidelity run. */
export interface MfTrial {
  params: Params;
  /** Epochs trained (a pruned trial: up to the epoch it was stopped after). */
  epochs: number;
  /** The final value, for a trial that trained every epoch. */
  value?: number;
}

/**
 * Regret at each checkpoint (in epochs) of a sequence of trials: that of the best trial completed
 * within the checkpoint's epochs; before any completed trial, the regret of a value of 0.
 */
export function epochRegretCurve(obj: SuiteObjective, trials: readonly MfTrial[], checkpoints: readonly number[]): number[] {
  const sign = obj.direction === "maximize" ? 1 : -1;
  let best = -Infinity;
  let spent = 0;
  let t = 0;
  return checkpoints.map((c) => {
    while (t < trials.length && spent + trials[t]!.epochs <= c) {
      spent += trials[t]!.epochs;
      const v = trials[t]!.value;
      if (v !== undefined && sign * v > best) best = sign * v;
      t++;
    }
    return regret(obj, best === -Infinity ? 0 : sign * best);
  });
}

/** Ours: the sampler proposes from the finished trials; the pruner hears the curve epoch by epoch, as the coordinator runs a study. */
export function runOursMf(obj: SuiteObjective, sampler: Sampler, pruner: Pruner | undefined, seed: number, budget: number): MfTrial[] {
  const curve = obj.curve!;
  const history: FinishedTrial[] = [];
  const curves: TrialCurve[] = [];
  const out: MfTrial[] = [];
  let spent = 0;
  for (let number = 0; spent < budget && number < MAX_TRIALS; number++) {
    const params = sampler.suggest({ space: obj.space, seed, number, trials: history, directions: [obj.direction] });
    const intermediate = new Map<number, number>();
    let pruned = false;
    for (let e = 1; e <= curve.maxEpochs; e++) {
      const v = curve.at(params, e, seed);
      intermediate.set(e, v);
      if (pruner && e < curve.maxEpochs && pruner.decide({ trialNumber: number, epoch: e, value: v, direction: obj.direction, history: curves }).prune) {
        pruned = true;
        break;
      }
    }
    const epochs = intermediate.size;
    spent += epochs;
    const value = pruned ? undefined : intermediate.get(curve.maxEpochs)!;
    history.push({ number, params, state: pruned ? "PRUNED" : "COMPLETE", ...(value !== undefined ? { values: [value] } : {}), intermediate });
    curves.push({ number, state: pruned ? "PRUNED" : "COMPLETE", intermediate });
    out.push({ params, epochs, ...(value !== undefined ? { value } : {}) });
  }
  return out;
}

/**
 * The fewest epochs at which a seed-averaged regret curve is at or below `target` (random's final
 * seed-averaged regret), as a fraction of `total` (random's epochs); null if it never gets there.
 */
export function epochsToReach(meanRegret: readonly number[], checkpoints: readonly number[], target: number, total: number): { epochs: number; ratio: number } | null {
  // A relative tolerance: means over seeds of equal values can differ in the last bits.
  const i = meanRegret.findIndex((r) => r <= target + 1e-12 * Math.max(1, Math.abs(target)));
  return i < 0 ? null : { epochs: checkpoints[i]!, ratio: checkpoints[i]! / total };
}
