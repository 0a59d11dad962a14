import { NnConfigError, INIT_SCHEMES, type InitScheme } from "./types";
import type { LrSchedule } from "./optimizer";

export interface EarlyStoppingConfig {
  /** Stop after this many epochs without a new best inner-validation loss (integer ≥ 1). */
  patience: number;
  /** Share of the fold's training rows held out as the inner validation set, in (0, 1). */
  validationFraction: number;
}

/** Every optional field defaults to plain minibatch SGD with a constant learning rate. */
export interface TrainConfig {
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Weight initialization; default "auto" (He before rectifiers, Glorot otherwise). */
  init?: InitScheme;
  /** Heavy-ball momentum μ in [0, 1); default 0. */
  momentum?: number;
  /** L2 penalty λ on the weight matrices (not biases, not PReLU slopes); default 0. */
  weightDecay?: number;
  /** Learning rate per epoch; default constant. */
  schedule?: LrSchedule;
  /** Bound on the global gradient norm (all tensors together); default none. */
  clipNorm?: number;
  /** Stop on an inner validation split of the training part, restoring the best weights. */
  earlyStopping?: EarlyStoppingConfig;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

export function validateTrainConfig(cfg: TrainConfig): void {
  if (cfg === null || typeof cfg !== "object") throw new NnConfigError("train", "must be an object");
  if (!isFiniteNumber(cfg.learningRate) || cfg.learningRate <= 0) {
    throw new NnConfigError("train.learningRate", `must be a finite number > 0, got ${String(cfg.learningRate)}`);
  }
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1 || cfg.batchSize > 1 << 20) {
    throw new NnConfigError("train.batchSize", `must be an integer in [1, ${1 << 20}], got ${String(cfg.batchSize)}`);
  }
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 1 || cfg.epochs > 1_000_000) {
    throw new NnConfigError("train.epochs", `must be an integer in [1, 1000000], got ${String(cfg.epochs)}`);
  }
  if (cfg.init !== undefined && !INIT_SCHEMES.includes(cfg.init)) {
    throw new NnConfigError("train.init", `must be one of ${INIT_SCHEMES.join(", ")}, got ${JSON.stringify(cfg.init)}`);
  }
  if (cfg.momentum !== undefined && (!isFiniteNumber(cfg.momentum) || cfg.momentum < 0 || cfg.momentum >= 1)) {
    throw new NnConfigError("train.momentum", `must be a number in [0, 1), got ${String(cfg.momentum)}`);
  }
  if (cfg.weightDecay !== undefined && (!isFiniteNumber(cfg.weightDecay) || cfg.weightDecay < 0)) {
    throw new NnConfigError("train.weightDecay", `must be a finite number ≥ 0, got ${String(cfg.weightDecay)}`);
  }
  if (cfg.clipNorm !== undefined && (!isFiniteNumber(cfg.clipNorm) || cfg.clipNorm <= 0)) {
    throw new NnConfigError("train.clipNorm", `must be a finite number > 0, got ${String(cfg.clipNorm)}`);
  }
  validateSchedule(cfg);
  const es = cfg.earlyStopping;
  if (es !== undefined) {
    if (es === null || typeof es !== "object") throw new NnConfigError("train.earlyStopping", "must be an object");
    if (!Number.isInteger(es.patience) || es.patience < 1) {
      throw new NnConfigError("train.earlyStopping.patience", `must be an integer ≥ 1, got ${String(es.patience)}`);
    }
    if (!isFiniteNumber(es.validationFraction) || es.validationFraction <= 0 || es.validationFraction >= 1) {
      throw new NnConfigError(
        "train.earlyStopping.validationFraction",
        `must be a number in (0, 1), got ${String(es.validationFraction)}`,
      );
    }
  }
}

function validateSchedule(cfg: TrainConfig): void {
  const s = cfg.schedule;
  if (s === undefined) return;
  if (s === null || typeof s !== "object") throw new NnConfigError("train.schedule", "must be an object like { type: \"constant\" }");
  switch (s.type) {
    case "constant":
      return;
    case "step":
      if (!Number.isInteger(s.everyEpochs) || s.everyEpochs < 1) {
        throw new NnConfigError("train.schedule.everyEpochs", `must be an integer ≥ 1, got ${String(s.everyEpochs)}`);
      }
      if (!isFiniteNumber(s.gamma) || s.gamma <= 0) {
        throw new NnConfigError("train.schedule.gamma", `must be a finite number > 0, got ${String(s.gamma)}`);
      }
      return;
    case "cosine":
      if (
        s.minLearningRate !== undefined &&
        (!isFiniteNumber(s.minLearningRate) || s.minLearningRate < 0 || s.minLearningRate > cfg.learningRate)
      ) {
        throw new NnConfigError(
          "train.schedule.minLearningRate",
          `must be a number in [0, learningRate], got ${String(s.minLearningRate)}`,
        );
      }
      return;
    default:
      throw new NnConfigError(
        "train.schedule.type",
        `must be one of constant, step, cosine, got ${JSON.stringify((s as { type: unknown }).type)}`,
      );
  }
}

export interface Standardization {
  mean: Float64Array;
  std: Float64Array;
}

/** Per-feature mean and population std over `rows` of X (n×d); a constant feature gets std 1. */
export function fitStandardization(X: Float32Array, d: number, rows: Int32Array): Standardization {
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let r = 0; r < rows.length; r++) {
    const off = rows[r]! * d;
    for (let j = 0; j < d; j++) mean[j]! += X[off + j]!;
  }
  for (let j = 0; j < d; j++) mean[j]! /= rows.length;
  // Two passes: one-pass E[x²] − E[x]² cancels badly for features far from 0.
  for (let r = 0; r < rows.length; r++) {
    const off = rows[r]! * d;
    for (let j = 0; j < d; j++) {
      const c = X[off + j]! - mean[j]!;
      std[j]! += c * c;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j]! / rows.length);
    std[j] = s > 1e-12 ? s : 1; // a constant feature becomes 0 instead of NaN
  }
  return { mean, std };
}

/** Rows of X (n×d) picked by `rows`, standardized, packed contiguously (rows.length×d). */
export function gatherStandardized(X: Float32Array, d: number, rows: Int32Array, s: Standardization): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r]! * d;
    const dst = r * d;
    for (let j = 0; j < d; j++) out[dst + j] = (X[src + j]! - s.mean[j]!) / s.std[j]!;
  }
  return out;
}

/** Copies rows order[start..start+count) of src (rows of width `width`) into dst, packed. */
export function gatherRows(
  src: Float32Array,
  width: number,
  order: Int32Array,
  start: number,
  count: number,
  dst: Float32Array,
): void {
  for (let r = 0; r < count; r++) {
    const from = order[start + r]! * width;
    const to = r * width;
    for (let j = 0; j < width; j++) dst[to + j] = src[from + j]!;
  }
}
