import { NnConfigError, type Task } from "./types";

export type Metric = "accuracy" | "logloss" | "mse" | "r2";

export const METRICS: readonly Metric[] = ["accuracy", "logloss", "mse", "r2"];

export function metricDirection(metric: Metric): "maximize" | "minimize" {
  switch (metric) {
    case "accuracy":
    case "r2":
      return "maximize";
    case "logloss":
    case "mse":
      return "minimize";
  }
}

/** Whether `metric` is defined for `task`: accuracy/logloss for classification, mse/r2 for regression. */
export function metricFitsTask(metric: Metric, task: Task): boolean {
  const classification = task === "binary" || task === "multiclass";
  return metric === "accuracy" || metric === "logloss" ? classification : !classification;
}

// sklearn's log_loss clip: a saturated float32 probability (exactly 0 or 1) would give ∞.
const PROB_EPS = 1e-15;

/**
 * `metric` of output-unit values (as returned by Mlp.forward: σ(z) for binary B×1, softmax
 * probabilities for multiclass B×K, predictions for regression B×D) against y (B labels, or
 * B×D targets). Binary predicts class 1 when σ(z) ≥ 0.5; multiclass takes the argmax.
 * r² follows sklearn: averaged over outputs, and 1 (perfect) or 0 when a target is constant.
 */
export function evaluateMetric(metric: Metric, outputs: Float32Array, y: Float32Array, B: number, task: Task): number {
  if (!METRICS.includes(metric)) throw new NnConfigError("metric", `must be one of ${METRICS.join(", ")}, got ${JSON.stringify(metric)}`);
  if (!metricFitsTask(metric, task)) throw new NnConfigError("metric", `${metric} is not defined for task ${task}`);
  if (!Number.isInteger(B) || B < 1) throw new NnConfigError("B", `must be a positive integer, got ${String(B)}`);
  if (outputs.length % B !== 0) throw new NnConfigError("outputs", `length ${outputs.length} is not a multiple of B = ${B}`);
  const D = outputs.length / B;
  const yLen = task === "regression" ? B * D : B;
  if (y.length !== yLen) throw new NnConfigError("y", `expected length ${yLen}, got ${y.length}`);
  if (task === "binary" && D !== 1) throw new NnConfigError("outputs", `binary outputs must be B×1, got B×${D}`);

  switch (metric) {
    case "accuracy": {
      let correct = 0;
      for (let n = 0; n < B; n++) {
        const pred = task === "binary" ? (outputs[n]! >= 0.5 ? 1 : 0) : argmaxRow(outputs, n * D, D);
        if (pred === y[n]) correct++;
      }
      return correct / B;
    }
    case "logloss": {
      let s = 0;
      for (let n = 0; n < B; n++) {
        const p = task === "binary" ? (y[n] === 1 ? outputs[n]! : 1 - outputs[n]!) : outputs[n * D + y[n]!]!;
        s -= Math.log(Math.min(Math.max(p, PROB_EPS), 1 - PROB_EPS));
      }
      return s / B;
    }
    case "mse": {
      let s = 0;
      for (let i = 0; i < B * D; i++) {
        const r = outputs[i]! - y[i]!;
        s += r * r;
      }
      return s / (B * D);
    }
    case "r2": {
      let total = 0;
      for (let j = 0; j < D; j++) {
        let mean = 0;
        for (let n = 0; n < B; n++) mean += y[n * D + j]!;
        mean /= B;
        let ssRes = 0;
        let ssTot = 0;
        for (let n = 0; n < B; n++) {
          const t = y[n * D + j]!;
          const r = t - outputs[n * D + j]!;
          ssRes += r * r;
          ssTot += (t - mean) * (t - mean);
        }
        total += ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0;
      }
      return total / D;
    }
  }
}

function argmaxRow(v: Float32Array, row: number, D: number): number {
  let best = 0;
  for (let j = 1; j < D; j++) if (v[row + j]! > v[row + best]!) best = j;
  return best;
}
