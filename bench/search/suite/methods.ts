// The methods the suite compares: ours through the public @automl/search API, Optuna 3.1's
// through optuna_bridge.py.
import { GpSampler, MultivariateTpeSampler, RandomSampler, TpeSampler, type Sampler } from "@automl/search";

export interface Method {
  name: string;
  side: "ours" | "optuna";
  /** Ours: a fresh sampler. */
  make?: () => Sampler;
  /** Optuna: the bridge's method name. */
  optuna?: "tpe" | "tpe-mv-group" | "cmaes" | "random";
}

export const METHODS: readonly Method[] = [
  { name: "ours:random", side: "ours", make: () => new RandomSampler() },
  { name: "ours:tpe", side: "ours", make: () => new TpeSampler() },
  { name: "ours:tpe-mv", side: "ours", make: () => new MultivariateTpeSampler() },
  { name: "ours:gp", side: "ours", make: () => new GpSampler() },
  { name: "optuna:tpe", side: "optuna", optuna: "tpe" },
  { name: "optuna:tpe-mv-group", side: "optuna", optuna: "tpe-mv-group" },
  { name: "optuna:cmaes", side: "optuna", optuna: "cmaes" },
  { name: "optuna:random", side: "optuna", optuna: "random" },
];

/** Our default sampler for new study files, and the peer the done-criterion compares it with. */
export const OURS_DEFAULT = "ours:tpe";
export const PEER_DEFAULT = "optuna:tpe";
