// The one shape every objective of the search benchmark suite has, so that every method (ours
// through @automl/search, Optuna through an ask/tell bridge) is run and scored the same way.
import type { Direction, Params, SpaceDef } from "@automl/search";

export interface SuiteCurve {
  /** Epochs of a full training run: the largest fidelity. */
  maxEpochs: number;
  /** The objective after `epoch` epochs (1-based, ≤ maxEpochs), as a pruner would see it. */
  at(p: Params, epoch: number, seed: number): number;
}

export interface SuiteObjective {
  /** Unique, e.g. "synthetic/lr-momentum-batch" or "tabular/digits". */
  name: string;
  family: "synthetic" | "tabular";
  /** The study-file `space` section this objective is defined on (what a user would write). */
  spaceInput: Record<string, unknown>;
  /** `parseSpace(spaceInput)`. */
  space: SpaceDef;
  direction: Direction;
  /** The best value any configuration of the space attains (noise-free), for regret. */
  optimum: number;
  /** The final value of a configuration; `seed` draws the noise of noisy objectives. */
  evaluate(p: Params, seed: number): number;
  /**
   * The noise-free value, for noisy objectives: regret is measured on the incumbent (the best
   * observed, noisy value) at its true value. Absent: `evaluate` is noise-free.
   */
  trueValue?(p: Params): number;
  /** Learning curves (curve tables): what samplers + pruners are measured on, in epochs. */
  curve?: SuiteCurve;
}

/** Regret of a value: how far it is from the optimum, ≥ 0 for any attainable value. */
export function regret(obj: SuiteObjective, value: number): number {
  return obj.direction === "maximize" ? obj.optimum - value : value - obj.optimum;
}
