// Output units and their costs (negative log-likelihoods), on the last layer's logits Z.
// Each cost has a Forward (mean cost over the batch) and a Backward writing
// dZ = ∂(mean cost)/∂Z, hence the 1/B factor. Costs take logits, not the unit's output, so
// they can use the stable forms (softplus, log-sum-exp): they saturate only when right.

import { sigmoid } from "./activations";
import type { FloatArray } from "./float";

/** ζ(x) = log(1 + eˣ) without overflow: max(x, 0) + log1p(e^−|x|). */
export function softplus(x: number): number {
  return (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

// ---- binary: Bernoulli, sigmoid unit, y ∈ {0, 1}, Z is B×1 ----

export function sigmoidOutputForward(Z: FloatArray, out: FloatArray, B: number): void {
  for (let n = 0; n < B; n++) out[n] = sigmoid(Z[n]!);
}

/** mean over the batch of −log P(y|z) = ζ((1 − 2y) z). */
export function sigmoidCrossEntropyForward(Z: FloatArray, y: FloatArray, B: number): number {
  let s = 0;
  for (let n = 0; n < B; n++) s += softplus((1 - 2 * y[n]!) * Z[n]!);
  return s / B;
}

/** δ = σ(z) − y, divided by B for the batch mean. */
export function sigmoidCrossEntropyBackward(Z: FloatArray, y: FloatArray, dZ: FloatArray, B: number): void {
  const inv = 1 / B;
  for (let n = 0; n < B; n++) dZ[n] = (sigmoid(Z[n]!) - y[n]!) * inv;
}

// ---- multiclass: Categorical, softmax unit, y = class index, Z is B×K ----

/** Row-wise softmax, shifted by the row max so exp never overflows. */
export function softmaxForward(Z: FloatArray, P: FloatArray, B: number, K: number): void {
  for (let n = 0; n < B; n++) {
    const row = n * K;
    let max = -Infinity;
    for (let j = 0; j < K; j++) if (Z[row + j]! > max) max = Z[row + j]!;
    let sum = 0;
    for (let j = 0; j < K; j++) {
      const e = Math.exp(Z[row + j]! - max);
      P[row + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < K; j++) P[row + j]! *= inv;
  }
}

/** log Σ_j exp(Z[row + j]) over K entries, shifted by the max so exp never overflows. */
function logSumExpRow(Z: FloatArray, row: number, K: number): number {
  let max = -Infinity;
  for (let j = 0; j < K; j++) if (Z[row + j]! > max) max = Z[row + j]!;
  let sum = 0;
  for (let j = 0; j < K; j++) sum += Math.exp(Z[row + j]! - max);
  return max + Math.log(sum);
}

/** mean over the batch of −log softmax(z)_y = logΣexp(z) − z_y. */
export function softmaxCrossEntropyForward(Z: FloatArray, y: FloatArray, B: number, K: number): number {
  let s = 0;
  for (let n = 0; n < B; n++) {
    const row = n * K;
    s += logSumExpRow(Z, row, K) - Z[row + y[n]!]!;
  }
  return s / B;
}

/** δ_j = p_j − 1[j = y], divided by B. */
export function softmaxCrossEntropyBackward(
  Z: FloatArray,
  y: FloatArray,
  dZ: FloatArray,
  B: number,
  K: number,
): void {
  softmaxForward(Z, dZ, B, K);
  const inv = 1 / B;
  for (let n = 0; n < B; n++) {
    const row = n * K;
    dZ[row + y[n]!]! -= 1;
    for (let j = 0; j < K; j++) dZ[row + j]! *= inv;
  }
}

// ---- multiclass with K−1 outputs: Categorical, z_K fixed at 0, Z is B×(K−1) ----
// ρ̂_j = exp(z_j) / (Σ_{i<K} exp(z_i) + 1) for j < K and ρ̂_K = 1 / (Σ_{i<K} exp(z_i) + 1):
// the softmax of (z_1, …, z_{K−1}, 0). One logit fewer removes softmax's shift redundancy.
// Everything is shifted by m = max(0, max_j z_j) so no exp overflows. Class K has index K − 1.

/** Row-wise probabilities P (B×K) from the K − 1 logits Z (B×(K−1)). */
export function softmaxKm1Forward(Z: FloatArray, P: FloatArray, B: number, K: number): void {
  const J = K - 1;
  for (let n = 0; n < B; n++) {
    const zRow = n * J;
    const pRow = n * K;
    let max = 0; // z_K = 0 takes part in the max
    for (let j = 0; j < J; j++) if (Z[zRow + j]! > max) max = Z[zRow + j]!;
    const last = Math.exp(-max);
    let sum = last;
    for (let j = 0; j < J; j++) {
      const e = Math.exp(Z[zRow + j]! - max);
      P[pRow + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < J; j++) P[pRow + j]! *= inv;
    P[pRow + J] = last * inv;
  }
}

/** log(Σ_{j<K−1} exp(z_j) + e⁰) for one row, stably. */
function logSumExpKm1Row(Z: FloatArray, row: number, J: number): number {
  let max = 0;
  for (let j = 0; j < J; j++) if (Z[row + j]! > max) max = Z[row + j]!;
  let sum = Math.exp(-max);
  for (let j = 0; j < J; j++) sum += Math.exp(Z[row + j]! - max);
  return max + Math.log(sum);
}

/** mean over the batch of −log ρ̂_y = log(Σ exp(z_i) + 1) − z_y, with z_y = 0 for y = K − 1. */
export function softmaxKm1CrossEntropyForward(Z: FloatArray, y: FloatArray, B: number, K: number): number {
  const J = K - 1;
  let s = 0;
  for (let n = 0; n < B; n++) {
    const row = n * J;
    const label = y[n]!;
    s += logSumExpKm1Row(Z, row, J) - (label < J ? Z[row + label]! : 0);
  }
  return s / B;
}

/** δ_j = ρ̂_j − 1[j = y] for j < K − 1 (z_K is a constant, it has no δ), divided by B. */
export function softmaxKm1CrossEntropyBackward(
  Z: FloatArray,
  y: FloatArray,
  dZ: FloatArray,
  B: number,
  K: number,
): void {
  const J = K - 1;
  const inv = 1 / B;
  for (let n = 0; n < B; n++) {
    const row = n * J;
    let max = 0;
    for (let j = 0; j < J; j++) if (Z[row + j]! > max) max = Z[row + j]!;
    let sum = Math.exp(-max);
    for (let j = 0; j < J; j++) {
      const e = Math.exp(Z[row + j]! - max);
      dZ[row + j] = e;
      sum += e;
    }
    const scale = inv / sum;
    for (let j = 0; j < J; j++) dZ[row + j]! *= scale;
    const label = y[n]!;
    if (label < J) dZ[row + label]! -= inv;
  }
}

// ---- regression: Normal(z, I), linear unit, y is B×D ----
// Cost is the full squared error ‖y − z‖² (the slides' "sum of squared errors", no ½), so for
// D = 1 the mean loss equals the MSE; δ = 2(z − y).

export function squaredErrorForward(Z: FloatArray, y: FloatArray, B: number, D: number): number {
  let s = 0;
  const len = B * D;
  for (let i = 0; i < len; i++) {
    const r = Z[i]! - y[i]!;
    s += r * r;
  }
  return s / B;
}

export function squaredErrorBackward(Z: FloatArray, y: FloatArray, dZ: FloatArray, B: number, D: number): void {
  const scale = 2 / B;
  const len = B * D;
  for (let i = 0; i < len; i++) dZ[i] = (Z[i]! - y[i]!) * scale;
}
