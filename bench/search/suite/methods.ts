// The methods the suite compares: ours through the public @automl/search API, Optuna 3.1's
// through optuna_bridge.py. Listed longest-running first (the jobs start in this order).
import { AutoSampler, GpSampler, MultivariateTpeSampler, RandomSampler, TpeSampler, type Pruner, type Sampler } from "@automl/search";

export interface Method {
  name: string;
  side: "ours" | "optuna";
  /** Ours: a fresh sampler. */
  make?: () => Sampler;
  /** Optuna: the bridge's method name. */
  optuna?: "tpe" | "tpe-mv-group" | "cmaes" | "random";
  /** Multi-fidelity methods (multifidelity.ts), ours: a fresh pruner; absent: every trial trains fully. */
  pruner?: () => Pruner;
  /** Multi-fidelity methods, Optuna: the bridge's pruner (optuna_bridge.py make_pruner). */
  optunaPruner?: { kind: "sha"; minResource: number; reductionFactor: number } | { kind: "hyperband"; minResource: number; maxResource: number; reductionFactor: number };
}

/** Every method the suite knows; SUITE_METHODS selects among these. */
export const ALL_METHODS: readonly Method[] = [
  { name: "optuna:tpe", side: "optuna", optuna: "tpe" },
  { name: "optuna:tpe-mv-group", side: "optuna", optuna: "tpe-mv-group" },
  { name: "ours:auto", side: "ours", make: () => new AutoSampler() },
  { name: "ours:tpe", side: "ours", make: () => new TpeSampler() },
  { name: "ours:random", side: "ours", make: () => new RandomSampler() },
  { name: "optuna:cmaes", side: "optuna", optuna: "cmaes" },
  { name: "optuna:random", side: "optuna", optuna: "random" },
  // Not in the default run: ours:gp differs from auto only in its startup (10 prior draws instead
  // of 5), and the multivariate TPE is what auto hands over to past 200 trials.
  { name: "ours:tpe-multivariate", side: "ours", make: () => new MultivariateTpeSampler() },
  { name: "ours:gp", side: "ours", make: () => new GpSampler() },
  { name: "ours:x-tpe-mv-c64", side: "ours", make: () => new MultivariateTpeSampler({ candidates: 64 }) },
];

export const METHODS: readonly Method[] = ALL_METHODS.slice(0, 7);

/** Our default sampler for new study files, and the peer the done-criterion compares it with. */
export const OURS_DEFAULT = "ours:auto";
export const PEER_DEFAULT = "optuna:tpe";
