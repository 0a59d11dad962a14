// The contracts of @automl/search. The coordinator codes against these; keep them stable.
// Everything here is pure data: a sampler or pruner decides from its arguments alone, so the
// coordinator derives every decision from the trials in Postgres and a restart changes nothing.

/** A value a dimension can take. */
export type Scalar = number | string;

/**
 * One search dimension, normalized.
 * - `int` / `float`: the closed range [low, high]; `log` draws log-uniformly (low > 0);
 *   `step` quantizes to low + k·step (k = 0, 1, …, never above high) and is what makes a
 *   float range finite for the grid sampler. `step` and `log` are exclusive.
 * - `choice`: one of a finite list (unordered, categorical).
 * - `fixed`: always `value`; draws nothing.
 */
export type Dim =
  | { kind: "fixed"; value: Scalar }
  | { kind: "int"; low: number; high: number; log: boolean; step?: number }
  | { kind: "float"; low: number; high: number; log: boolean; step?: number }
  | { kind: "choice"; choices: readonly Scalar[] };

/**
 * A dimension that may be drawn once per hidden layer. With `perLayer`, layer i (0-based) has its
 * own draw, which exists only when depth > i (a conditional dimension); without it one draw is
 * shared by every layer.
 */
export interface LayerDim {
  dim: Dim;
  perLayer: boolean;
}

/** Limits a sampled network must respect; a sampler never suggests a configuration that breaks one. */
export interface Constraints {
  /** Trainable parameters (weights, biases, PReLU slopes), as `paramCount` counts them. */
  maxParams?: number;
  /** Forward-pass floating-point operations per example, as `flopCount` counts them. */
  maxFlops?: number;
}

/**
 * The normalized search space (what `spaceSchema` / `normalizeSpace` produce from a study file's
 * `space` section). Field names are those of the study file and of `Params`.
 */
export interface SpaceDef {
  /** Number of hidden layers: int or choice of positive integers, or fixed. */
  depth: Dim;
  width: LayerDim;
  activation: LayerDim;
  /** Absent: the task's default output unit (Params.output = ""). */
  output?: Dim;
  leakyAlpha: Dim;
  maxoutPieces: Dim;
  learningRate: Dim;
  momentum: Dim;
  weightDecay: Dim;
  batchSize: Dim;
  epochs: Dim;
  constraints: Constraints;
}

/** One sampled configuration. Field names are those of the coordinator's former `TrialParams`. */
export interface Params {
  depth: number;
  /** One per hidden layer (length = depth). */
  widths: number[];
  /** One per hidden layer (length = depth). */
  activations: string[];
  /** "" when the task's default output unit is used. */
  output: string;
  leakyAlpha: number;
  maxoutPieces: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  epochs: number;
}

export type Direction = "minimize" | "maximize";

export type TrialState = "COMPLETE" | "PRUNED" | "FAILED" | "RUNNING";

/**
 * A trial of the study as the sampler and pruner see it (the coordinator maps its statuses:
 * COMPLETED → COMPLETE; PRUNED → PRUNED; FAILED/DIVERGED/CANCELLED → FAILED; QUEUED/RUNNING → RUNNING).
 */
export interface FinishedTrial {
  /** The trial number within its study (0-based). */
  number: number;
  params: Params;
  state: TrialState;
  /** One per objective, in the order of `directions`; present for COMPLETE trials. */
  values?: readonly number[];
  /**
   * Intermediate values of the (first) objective by fidelity step (epoch, 1-based) → value. What
   * a step counts (epochs of one fold, or epochs summed over folds) is the coordinator's choice,
   * as long as it is the same for every trial of the study.
   */
  intermediate?: ReadonlyMap<number, number>;
}

/** The shape of the network's ends, needed only to check constraints. */
export interface NetworkShape {
  /** Input features (after one-hot encoding). */
  inputDim: number;
  /** 1 for binary, K classes for multiclass, targets for regression. */
  outputDim: number;
}

export interface SuggestContext {
  space: SpaceDef;
  /** The study seed. */
  seed: number;
  /** The number of the trial being suggested (0-based). Draws are keyed by (seed, number). */
  number: number;
  /** Every other trial of the study, in any order (the sampler sorts by number where it matters). */
  trials: readonly FinishedTrial[];
  /** One per objective. */
  directions: readonly Direction[];
  /** Required when `space.constraints` is not empty. */
  network?: NetworkShape;
}

/**
 * Proposes trial configurations. `suggest` is a PURE function of its context: the same context
 * gives the same Params, whatever was suggested before and in whatever process.
 */
export interface Sampler {
  readonly name: string;
  suggest(ctx: SuggestContext): Params;
}

/** The intermediate curve of another trial, as a pruner sees it. */
export interface TrialCurve {
  number: number;
  state: TrialState;
  /** Fidelity step (1-based) → intermediate value. */
  intermediate: ReadonlyMap<number, number>;
}

export interface PruneContext {
  trialNumber: number;
  /** The fidelity step just reported (1-based). */
  epoch: number;
  /** The trial's intermediate value at `epoch`. */
  value: number;
  direction: Direction;
  /** The other trials of the study (the one deciding may appear too; it is ignored by number). */
  history: readonly TrialCurve[];
}

export interface PruneDecision {
  prune: boolean;
  /**
   * For rung-based pruners: the highest rung (0-based) the trial has reached at this step, or
   * undefined before the first rung. A pruned trial keeps it as "the rung it reached".
   */
  rung?: number;
  /** Why, in a sentence: for the log and the dashboard. */
  reason?: string;
}

/** Decides, per reported step, whether a trial should stop. Pure, like Sampler. */
export interface Pruner {
  readonly name: string;
  decide(ctx: PruneContext): PruneDecision;
}
