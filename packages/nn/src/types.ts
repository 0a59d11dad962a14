import type { Activation } from "./kernels/activations";
import type { Dtype, FloatArray } from "./kernels/float";
import type { OutputUnit } from "./output-units";

export type { Activation, Dtype, FloatArray, OutputUnit };

export type Task = "binary" | "multiclass" | "regression";

export const TASKS: readonly Task[] = ["binary", "multiclass", "regression"];

/** Weight initialization: "auto" = He before rectifiers, Glorot elsewhere (see README). */
export type InitScheme = "auto" | "he" | "glorot";

export const INIT_SCHEMES: readonly InitScheme[] = ["auto", "he", "glorot"];

export interface MlpSpec {
  inputDim: number;
  /** Hidden layer widths (units); length = depth (0 gives a linear/logistic model). */
  hidden: number[];
  /** One hidden unit for every hidden layer, or one per hidden layer (length = hidden.length). */
  activation: Activation | readonly Activation[];
  task: Task;
  /** 1 for binary, K ≥ 2 for multiclass (classes, also with softmax_km1), ≥ 1 for regression. */
  outputDim: number;
  /** Output unit; default by task: binary → sigmoid, multiclass → softmax, regression → linear. */
  output?: OutputUnit;
  /** Slope of leaky_relu for z < 0, in [0, 1); default 0.01. */
  leakyAlpha?: number;
  /** Pieces per maxout unit, an integer in [2, 16]; default 2. */
  maxoutPieces?: number;
}

/**
 * W{l}: shape [Din, Dout] (Dout·k for a maxout layer), row-major; b{l}: shape [Dout] (Dout·k);
 * alpha{l}: shape [Dout], PReLU layers only. Layers numbered from 1.
 */
export interface Param<T extends FloatArray = Float32Array> {
  name: string;
  shape: number[];
  data: T;
}

/** A JSON-friendly copy of a Param. */
export interface ParamSnapshot {
  name: string;
  shape: number[];
  data: number[];
}

export interface CreateMlpOptions {
  seed: number;
  /** Element type of parameters, activations and gradients; default float32. */
  dtype?: Dtype;
  /** Default "auto". */
  init?: InitScheme;
}

/** `T` is the parameter/output array type: Float32Array, or Float64Array for dtype "float64". */
export interface Mlp<T extends FloatArray = Float32Array> {
  spec: MlpSpec;
  params: Param<T>[];
  paramCount: number;
  readonly dtype: Dtype;
  /**
   * X is B×inputDim (either float type). Returns a fresh array of output-unit values: σ(z) for
   * binary (B×1), class probabilities for multiclass (B×K, also with softmax_km1), z for
   * regression (B×outputDim).
   */
  forward(X: FloatArray, B: number): T;
  /**
   * y holds B labels (binary 0/1, multiclass class index) or B×outputDim targets (regression).
   * loss is the mean cost over the batch; grads (fresh copies, same order and layout as
   * params) are the gradients of that mean.
   */
  lossAndGradients(X: FloatArray, y: FloatArray, B: number): { loss: number; grads: T[] };
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
