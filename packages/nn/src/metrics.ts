import type { FloatArray } from "./kernels/float";
import { NnConfigError, type Task } from "./types";

export type Metric = "accuracy" | "logloss" | "f1" | "auc" | "mse" | "r2";

export const METRICS: readonly Metric[] = ["accuracy", "logloss", "f1", "auc", "mse", "r2"];

export function metricDirection(metric: Metric): "maximize" | "minimize" {
  switch (metric) {
    case "accuracy":
    case "f1":
    case "auc":
    case "r2":
      return "maximize";
    case "logloss":
    case "mse":
      return "minimize";
  }
}

/**
 * Whether `metric` is defined for `task`: accuracy/logloss for classification, f1/auc for
 * binary classification, mse/r2 for regression.
 */
export function metricFitsTask(metric: Metric, task: Task): boolean {
  switch (metric) {
    case "accuracy":
    case "logloss":
      return task === "binary" || task === "multiclass";
    case "f1":
    case "auc":
      return task === "binary";
    case "mse":
    case "r2":
      return task === "regression";
  }
}

/** The metrics every fold reports for `task`. */
export function metricsForTask(task: Task): Metric[] {
  return METRICS.filter((m) => metricFitsTask(m, task));
}

// sklearn's log_loss clip: a saturated float32 probability (exactly 0 or 1) would give ∞.
const PROB_EPS = 1e-15;

/**
 * `metric` of output-unit values (as returned by Mlp.forward: σ(z) for binary B×1, softmax
 * probabilities for multiclass B×K, predictions for regression B×D) against y (B labels, or
 * B×D targets). Binary predicts class 1 when σ(z) ≥ 0.5; multiclass takes the argmax.
 * r² follows sklearn: averaged over outputs, and 1 (perfect) or 0 when a target is constant.
 * f1 is the positive class's F1 at the same 0.5 threshold (0 when it has no true positive and
 * the denominator 2TP + FP + FN is 0, as sklearn's zero_division default). auc is the ROC AUC
 * as the Mann–Whitney rank statistic with tied scores given their average rank; NaN when y
 * holds a single class (undefined; sklearn raises).
 */
export function evaluateMetric(metric: Metric, outputs: FloatArray, y: FloatArray, B: number, task: Task): number {
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
    case "f1": {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (let n = 0; n < B; n++) {
        const pred = outputs[n]! >= 0.5;
        const pos = y[n] === 1;
        if (pred && pos) tp++;
        else if (pred) fp++;
        else if (pos) fn++;
      }
      const denom = 2 * tp + fp + fn;
      return denom === 0 ? 0 : (2 * tp) / denom;
    }
    case "auc":
      return rocAuc(outputs, y, B);
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

/**
 * AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋), R₊ the rank sum of the positives when all scores are
 * ranked ascending (1-based) and each run of tied scores shares its average rank: the
 * probability that a random positive outscores a random negative, ties counting ½.
 */
function rocAuc(scores: FloatArray, y: FloatArray, B: number): number {
  const idx = Array.from({ length: B }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  for (let start = 0; start < B; ) {
    let end = start + 1;
    while (end < B && scores[idx[end]!] === scores[idx[start]!]) end++;
    const avgRank = (start + 1 + end) / 2; // ranks start+1 … end
    for (let r = start; r < end; r++) {
      if (y[idx[r]!] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    start = end;
  }
  const nNeg = B - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Every metric of `task` (see metricsForTask) on the same outputs, keyed by name. */
export function evaluateMetrics(outputs: FloatArray, y: FloatArray, B: number, task: Task): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metricsForTask(task)) out[m] = evaluateMetric(m, outputs, y, B, task);
  return out;
}

function argmaxRow(v: FloatArray, row: number, D: number): number {
  let best = 0;
  for (let j = 1; j < D; j++) if (v[row + j]! > v[row + best]!) best = j;
  return best;
}
