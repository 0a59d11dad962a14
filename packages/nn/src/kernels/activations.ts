// Elementwise hidden units over the first `len` entries. Backward kernels compute
// dZ = act'(Z) ⊙ dA and may run in place (dZ === dA). Sigmoid and tanh take the forward
// output A because their derivatives are cheapest written in terms of it.

export type Activation = "relu" | "sigmoid" | "tanh";

export const ACTIVATIONS: readonly Activation[] = ["relu", "sigmoid", "tanh"];

export function reluForward(Z: Float32Array, A: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const z = Z[i]!;
    A[i] = z > 0 ? z : 0;
  }
}

/** ReLU'(0) is taken as 0. */
export function reluBackward(Z: Float32Array, dA: Float32Array, dZ: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) dZ[i] = Z[i]! > 0 ? dA[i]! : 0;
}

/** σ(z) = 1/(1+e^−z), evaluated so that exp never overflows. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function sigmoidForward(Z: Float32Array, A: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) A[i] = sigmoid(Z[i]!);
}

/** σ'(z) = σ(z)(1 − σ(z)). */
export function sigmoidBackward(A: Float32Array, dA: Float32Array, dZ: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const a = A[i]!;
    dZ[i] = dA[i]! * a * (1 - a);
  }
}

export function tanhForward(Z: Float32Array, A: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) A[i] = Math.tanh(Z[i]!);
}

/** tanh'(z) = 1 − tanh²(z). */
export function tanhBackward(A: Float32Array, dA: Float32Array, dZ: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const a = A[i]!;
    dZ[i] = dA[i]! * (1 - a * a);
  }
}

export function activationForward(act: Activation, Z: Float32Array, A: Float32Array, len: number): void {
  switch (act) {
    case "relu":
      return reluForward(Z, A, len);
    case "sigmoid":
      return sigmoidForward(Z, A, len);
    case "tanh":
      return tanhForward(Z, A, len);
  }
}

export function activationBackward(
  act: Activation,
  Z: Float32Array,
  A: Float32Array,
  dA: Float32Array,
  dZ: Float32Array,
  len: number,
): void {
  switch (act) {
    case "relu":
      return reluBackward(Z, dA, dZ, len);
    case "sigmoid":
      return sigmoidBackward(A, dA, dZ, len);
    case "tanh":
      return tanhBackward(A, dA, dZ, len);
  }
}
