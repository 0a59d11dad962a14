import type { FloatArray } from "./float";

// Elementwise hidden units over the first `len` entries. Backward kernels compute
// dZ = act'(Z) ⊙ dA and may run in place (dZ === dA). Sigmoid and tanh take the forward
// output A because their derivatives are cheapest written in terms of it. PReLU (a learned α
// per unit) and maxout (k pieces per unit) are not elementwise: see prelu.ts and maxout.ts.

export type Activation = "relu" | "leaky_relu" | "abs" | "prelu" | "maxout" | "sigmoid" | "tanh";

export const ACTIVATIONS: readonly Activation[] = ["relu", "leaky_relu", "abs", "prelu", "maxout", "sigmoid", "tanh"];

/** The units `activationForward` / `activationBackward` handle: one z in, one a out. */
export type ElementwiseActivation = Exclude<Activation, "prelu" | "maxout">;

/** The leaky ReLU's fixed slope for z < 0 when the spec gives none. */
export const DEFAULT_LEAKY_ALPHA = 0.01;

export function reluForward(Z: FloatArray, A: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) {
    const z = Z[i]!;
    A[i] = z > 0 ? z : 0;
  }
}

/** ReLU'(0) is taken as 0. */
export function reluBackward(Z: FloatArray, dA: FloatArray, dZ: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) dZ[i] = Z[i]! > 0 ? dA[i]! : 0;
}

/** a = z for z > 0, αz otherwise (α fixed, small). */
export function leakyReluForward(Z: FloatArray, A: FloatArray, len: number, alpha: number): void {
  for (let i = 0; i < len; i++) {
    const z = Z[i]!;
    A[i] = z > 0 ? z : alpha * z;
  }
}

/** act'(z) = 1 for z > 0, α otherwise (α at z = 0). */
export function leakyReluBackward(Z: FloatArray, dA: FloatArray, dZ: FloatArray, len: number, alpha: number): void {
  for (let i = 0; i < len; i++) dZ[i] = Z[i]! > 0 ? dA[i]! : alpha * dA[i]!;
}

/** Absolute-value rectification, a = |z|: the leaky form with α = −1. */
export function absForward(Z: FloatArray, A: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) A[i] = Math.abs(Z[i]!);
}

/** act'(z) = sign(z), taken as 0 at z = 0. */
export function absBackward(Z: FloatArray, dA: FloatArray, dZ: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) {
    const z = Z[i]!;
    dZ[i] = z > 0 ? dA[i]! : z < 0 ? -dA[i]! : 0;
  }
}

/** σ(z) = 1/(1+e^−z), evaluated so that exp never overflows. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function sigmoidForward(Z: FloatArray, A: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) A[i] = sigmoid(Z[i]!);
}

/** σ'(z) = σ(z)(1 − σ(z)). */
export function sigmoidBackward(A: FloatArray, dA: FloatArray, dZ: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) {
    const a = A[i]!;
    dZ[i] = dA[i]! * a * (1 - a);
  }
}

export function tanhForward(Z: FloatArray, A: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) A[i] = Math.tanh(Z[i]!);
}

/** tanh'(z) = 1 − tanh²(z). */
export function tanhBackward(A: FloatArray, dA: FloatArray, dZ: FloatArray, len: number): void {
  for (let i = 0; i < len; i++) {
    const a = A[i]!;
    dZ[i] = dA[i]! * (1 - a * a);
  }
}

export function activationForward(
  act: ElementwiseActivation,
  Z: FloatArray,
  A: FloatArray,
  len: number,
  leakyAlpha = DEFAULT_LEAKY_ALPHA,
): void {
  switch (act) {
    case "relu":
      return reluForward(Z, A, len);
    case "leaky_relu":
      return leakyReluForward(Z, A, len, leakyAlpha);
    case "abs":
      return absForward(Z, A, len);
    case "sigmoid":
      return sigmoidForward(Z, A, len);
    case "tanh":
      return tanhForward(Z, A, len);
  }
}

export function activationBackward(
  act: ElementwiseActivation,
  Z: FloatArray,
  A: FloatArray,
  dA: FloatArray,
  dZ: FloatArray,
  len: number,
  leakyAlpha = DEFAULT_LEAKY_ALPHA,
): void {
  switch (act) {
    case "relu":
      return reluBackward(Z, dA, dZ, len);
    case "leaky_relu":
      return leakyReluBackward(Z, dA, dZ, len, leakyAlpha);
    case "abs":
      return absBackward(Z, dA, dZ, len);
    case "sigmoid":
      return sigmoidBackward(A, dA, dZ, len);
    case "tanh":
      return tanhBackward(A, dA, dZ, len);
  }
}
