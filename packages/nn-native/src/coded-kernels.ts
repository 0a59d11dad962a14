// The kernel surface both addons export (nn_native.node and nn_cuda.node): the engine's kernels
// with units passed as numeric codes, the order of ACTIVATIONS / OUTPUT_UNITS (the enums of
// src/kernels.h and cuda/kernels.cuh). One adapter turns it into @automl/nn's BackendKernels.
import { ACTIVATIONS, OUTPUT_UNITS, type Activation, type BackendKernels, type OutputUnit } from "@automl/nn";

export const ACT_CODES = new Map<Activation, number>(ACTIVATIONS.map((a, i) => [a, i]));
export const OUTPUT_CODES = new Map<OutputUnit, number>(OUTPUT_UNITS.map((u, i) => [u, i]));

export interface CodedKernels {
  linearForward(A: Float32Array, W: Float32Array, b: Float32Array, Z: Float32Array, B: number, Din: number, Dout: number): void;
  linearBackward(
    A: Float32Array,
    W: Float32Array,
    dZ: Float32Array,
    dA: Float32Array | null,
    dW: Float32Array,
    db: Float32Array,
    B: number,
    Din: number,
    Dout: number,
  ): void;
  activationForward(act: number, Z: Float32Array, A: Float32Array, len: number, leakyAlpha: number): void;
  activationBackward(act: number, Z: Float32Array, A: Float32Array, dA: Float32Array, dZ: Float32Array, len: number, leakyAlpha: number): void;
  preluForward(Z: Float32Array, alpha: Float32Array, A: Float32Array, B: number, D: number): void;
  preluBackward(Z: Float32Array, alpha: Float32Array, dA: Float32Array, dZ: Float32Array, dAlpha: Float32Array, B: number, D: number): void;
  maxoutForward(Z: Float32Array, A: Float32Array, winners: Int32Array, B: number, D: number, k: number): void;
  maxoutBackward(winners: Int32Array, dA: Float32Array, dZ: Float32Array, B: number, D: number, k: number): void;
  outputForward(unit: number, Z: Float32Array, out: Float32Array, B: number, outputDim: number): void;
  outputLossAndDelta(unit: number, Z: Float32Array, y: Float32Array, dZ: Float32Array, B: number, outputDim: number): number;
  sgdUpdate(w: Float32Array, g: Float32Array, v: Float32Array | null, lr: number, momentum: number, weightDecay: number, scale: number): number;
}

/** The code of an elementwise unit (PReLU and maxout have kernels of their own). */
export function elementwiseCode(act: Activation): number {
  if (act === "prelu" || act === "maxout") throw new Error(`act: ${act} is not an elementwise unit`);
  return ACT_CODES.get(act)!;
}

/** BackendKernels over an addon's coded kernels. */
export function backendKernels(addon: CodedKernels): BackendKernels {
  return {
    linearForward: (A, W, b, Z, B, Din, Dout) => addon.linearForward(A, W, b, Z, B, Din, Dout),
    linearBackward: (A, W, dZ, dA, dW, db, B, Din, Dout) => addon.linearBackward(A, W, dZ, dA, dW, db, B, Din, Dout),
    activationForward: (act, Z, A, len, leaky) => addon.activationForward(elementwiseCode(act), Z, A, len, leaky),
    activationBackward: (act, Z, A, dA, dZ, len, leaky) => addon.activationBackward(elementwiseCode(act), Z, A, dA, dZ, len, leaky),
    preluForward: (Z, alpha, A, B, D) => addon.preluForward(Z, alpha, A, B, D),
    preluBackward: (Z, alpha, dA, dZ, dAlpha, B, D) => addon.preluBackward(Z, alpha, dA, dZ, dAlpha, B, D),
    maxoutForward: (Z, A, winners, B, D, k) => addon.maxoutForward(Z, A, winners, B, D, k),
    maxoutBackward: (winners, dA, dZ, B, D, k) => addon.maxoutBackward(winners, dA, dZ, B, D, k),
    outputForward: (unit, Z, out, B, K) => addon.outputForward(OUTPUT_CODES.get(unit)!, Z, out, B, K),
    outputLossAndDelta: (unit, Z, y, dZ, B, K) => addon.outputLossAndDelta(OUTPUT_CODES.get(unit)!, Z, y, dZ, B, K),
    sgdUpdate: (w, g, v, lr, mu, lambda, scale) => addon.sgdUpdate(w, g, v, lr, mu, lambda, scale),
  };
}
