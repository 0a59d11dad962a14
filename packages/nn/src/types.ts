import type { Activation } from "./kernels/activations";

export type { Activation };

export type Task = "binary" | "multiclass" | "regression";

export const TASKS: readonly Task[] = ["binary", "multiclass", "regression"];

export interface MlpSpec {
  inputDim: number;
  /** Hidden layer widths; length = depth (0 gives a linear/logistic model). */
  hidden: number[];
  activation: Activation;
  task: Task;
  /** 1 for binary, K ≥ 2 for multiclass, ≥ 1 for regression. */
  outputDim: number;
}

/** W{l}: shape [Din, Dout], row-major; b{l}: shape [Dout]. Layers numbered from 1. */
export interface Param {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A JSON-friendly copy of a Param. */
export interface ParamSnapshot {
  name: string;
  shape: number[];
  data: number[];
}

export interface Mlp {
  spec: MlpSpec;
  params: Param[];
  paramCount: number;
  /**
   * X is B×inputDim. Returns a fresh array of output-unit values: σ(z) for binary (B×1),
   * softmax probabilities for multiclass (B×K), z for regression (B×outputDim).
   */
  forward(X: Float32Array, B: number): Float32Array;
  /**
   * y holds B labels (binary 0/1, multiclass class index) or B×outputDim targets (regression).
   * loss is the mean cost over the batch; grads (fresh copies, same order and layout as
   * params) are the gradients of that mean.
   */
  lossAndGradients(X: Float32Array, y: Float32Array, B: number): { loss: number; grads: Float32Array[] };
  getParams(): ParamSnapshot[];
  setParams(p: ParamSnapshot[]): void;
}

/** Bad input to the engine; `field` names the offending field (e.g. "spec.hidden[1]"). */
export class NnConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "NnConfigError";
  }
}
