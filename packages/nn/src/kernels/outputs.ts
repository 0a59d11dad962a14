// Output units and their costs (negative log-likelihoods), on the last layer's logits Z.
// Each cost has a Forward (mean cost over the batch) and a Backward writing
// dZ = ∂(mean cost)/∂Z, hence the 1/B factor. Costs take logits, not the unit's output, so
// they can use the stable forms (softplus, log-sum-exp): they saturate only when right.

import { sigmoid } from "./activations";

/** ζ(x) = log(1 + eˣ) without overflow: max(x, 0) + log1p(e^−|x|). */
export function softplus(x: number): number {
  return (x > 0 ? x : 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

// ---- binary: Bernoulli, sigmoid unit, y ∈ {0, 1}, Z is B×1 ----

export function sigmoidOutputForward(Z: Float32Array, out: Float32Array, B: number): void {
  for (let n = 0; n < B; n++) out[n] = sigmoid(Z[n]!);
}

/** mean over the batch of −log P(y|z) = ζ((1 − 2y) z). */
export function sigmoidCrossEntropyForward(Z: Float32Array, y: Float32Array, B: number): number {
  let s = 0;
  for (let n = 0; n < B; n++) s += softplus((1 - 2 * y[n]!) * Z[n]!);
  return s / B;
}

/** δ = σ(z) − y, divided by B for the batch mean. */
export function sigmoidCrossEntropyBackward(Z: Float32Array, y: Float32Array, dZ: Float32Array, B: number): void {
  const inv = 1 / B;
  for (let n = 0; n < B; n++) dZ[n] = (sigmoid(Z[n]!) - y[n]!) * inv;
}

// ---- multiclass: Categorical, softmax unit, y = class index, Z is B×K ----

/** Row-wise softmax, shifted by the row max so exp never overflows. */
export function softmaxForward(Z: Float32Array, P: Float32Array, B: number, K: number): void {
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

function logSumExpRow(Z: Float32Array, row: number, K: number): number {
  let max = -Infinity;
  for (let j = 0; j < K; j++) if (Z[row + j]! > max) max = Z[row + j]!;
  let sum = 0;
  for (let j = 0; j < K; j++) sum += Math.exp(Z[row + j]! - max);
  return max + Math.log(sum);
}

/** mean over the batch of −log softmax(z)_y = logΣexp(z) − z_y. */
export function softmaxCrossEntropyForward(Z: Float32Array, y: Float32Array, B: number, K: number): number {
  let s = 0;
  for (let n = 0; n < B; n++) {
    const row = n * K;
    s += logSumExpRow(Z, row, K) - Z[row + y[n]!]!;
  }
  return s / B;
}

/** δ_j = p_j − 1[j = y], divided by B. */
export function softmaxCrossEntropyBackward(
  Z: Float32Array,
  y: Float32Array,
  dZ: Float32Array,
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

// ---- regression: Normal(z, I), linear unit, y is B×D ----
// Cost is the full squared error ‖y − z‖² (the slides' "sum of squared errors", no ½), so for
// D = 1 the mean loss equals the MSE; δ = 2(z − y).

export function squaredErrorForward(Z: Float32Array, y: Float32Array, B: number, D: number): number {
  let s = 0;
  const len = B * D;
  for (let i = 0; i < len; i++) {
    const r = Z[i]! - y[i]!;
    s += r * r;
  }
  return s / B;
}

export function squaredErrorBackward(Z: Float32Array, y: Float32Array, dZ: Float32Array, B: number, D: number): void {
  const scale = 2 / B;
  const len = B * D;
  for (let i = 0; i < len; i++) dZ[i] = (Z[i]! - y[i]!) * scale;
}
