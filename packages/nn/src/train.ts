import { NnConfigError } from "./types";

export interface TrainConfig {
  learningRate: number;
  batchSize: number;
  epochs: number;
}

export function validateTrainConfig(cfg: TrainConfig): void {
  if (typeof cfg.learningRate !== "number" || !Number.isFinite(cfg.learningRate) || cfg.learningRate <= 0) {
    throw new NnConfigError("train.learningRate", `must be a finite number > 0, got ${String(cfg.learningRate)}`);
  }
  if (!Number.isInteger(cfg.batchSize) || cfg.batchSize < 1 || cfg.batchSize > 1 << 20) {
    throw new NnConfigError("train.batchSize", `must be an integer in [1, ${1 << 20}], got ${String(cfg.batchSize)}`);
  }
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 1 || cfg.epochs > 1_000_000) {
    throw new NnConfigError("train.epochs", `must be an integer in [1, 1000000], got ${String(cfg.epochs)}`);
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
