import { createRng } from "@automl/common/core";
import { activationBackward, activationForward, type Activation } from "./kernels/activations";
import { allocFloat, DTYPES, type Dtype, type FloatArray } from "./kernels/float";
import { linearBackward, linearForward } from "./kernels/linear";
import { maxoutBackward, maxoutForward } from "./kernels/maxout";
import { preluBackward, preluForward } from "./kernels/prelu";
import { outputBackward, outputForward, outputLoss, type OutputUnit } from "./output-units";
import {
  planLayers,
  PRELU_ALPHA_INIT,
  resolveLeakyAlpha,
  resolveOutputUnit,
  validateMlpSpec,
  type LayerPlan,
} from "./spec";
import {
  INIT_SCHEMES,
  NnConfigError,
  type CreateMlpOptions,
  type InitScheme,
  type Mlp,
  type MlpSpec,
  type Param,
  type ParamSnapshot,
} from "./types";

export { validateMlpSpec };

/** Throws unless y holds valid labels/targets for `task` (B labels, or B×D regression targets). */
export function validateTargets(spec: MlpSpec, y: FloatArray, B: number, field = "y"): void {
  const want = spec.task === "regression" ? B * spec.outputDim : B;
  if (y.length !== want) throw new NnConfigError(field, `expected length ${want}, got ${y.length}`);
  for (let i = 0; i < want; i++) {
    const v = y[i]!;
    const ok =
      spec.task === "binary"
        ? v === 0 || v === 1
        : spec.task === "multiclass"
          ? Number.isInteger(v) && v >= 0 && v < spec.outputDim
          : Number.isFinite(v);
    if (!ok) {
      const need =
        spec.task === "binary" ? "0 or 1" : spec.task === "multiclass" ? `a class index in [0, ${spec.outputDim})` : "finite";
      throw new NnConfigError(`${field}[${i}]`, `must be ${need}, got ${v}`);
    }
  }
}

// Rectifiers pass (about) half their input's second moment on, so they get He's 2/Din;
// saturating units and the output layer get Glorot.
const RECTIFIERS: readonly Activation[] = ["relu", "leaky_relu", "abs", "prelu", "maxout"];

export function isRectifier(act: Activation): boolean {
  return RECTIFIERS.includes(act);
}

/** Where a layer's tensors sit in `params` (alpha −1 when the layer has no PReLU slopes). */
export interface LayerSlots {
  w: number;
  b: number;
  alpha: number;
}

/**
 * The engine's MLP. Beyond the Mlp interface it exposes allocation-free internals used by
 * training and diagnostics: results live in reusable buffers sized for the largest batch seen
 * so far. `T` is Float32Array, or Float64Array for the reference dtype.
 */
export class MlpModel<T extends FloatArray = Float32Array> implements Mlp<T> {
  readonly spec: MlpSpec;
  readonly dtype: Dtype;
  readonly params: Param<T>[];
  readonly paramCount: number;
  /** Gradient buffers, same order and layout as params; overwritten by computeGradients. */
  readonly grads: T[];
  /** One per weight layer, input to output. */
  readonly layers: readonly LayerPlan[];
  readonly slots: readonly LayerSlots[];
  readonly outputUnit: OutputUnit;
  private readonly L: number;
  private readonly leakyAlpha: number;
  private capacity = 0;
  private Z: T[] = []; // pre-activations per layer, capacity×width
  private A: T[] = []; // hidden-unit outputs per hidden layer, capacity×units
  private dA: T[] = []; // ∂c/∂A per hidden layer
  private dZ: T[] = []; // ∂c/∂Z per layer
  private winners: (Int32Array | null)[] = []; // maxout arg max per hidden layer
  private out: T;

  constructor(spec: MlpSpec, seed: number, opts: { dtype?: Dtype; init?: InitScheme } = {}) {
    validateMlpSpec(spec);
    const dtype = opts.dtype ?? "float32";
    if (!DTYPES.includes(dtype)) throw new NnConfigError("dtype", `must be one of ${DTYPES.join(", ")}, got ${String(dtype)}`);
    const init = opts.init ?? "auto";
    if (!INIT_SCHEMES.includes(init)) {
      throw new NnConfigError("init", `must be one of ${INIT_SCHEMES.join(", ")}, got ${JSON.stringify(init)}`);
    }
    this.dtype = dtype;
    this.spec = {
      ...spec,
      hidden: [...spec.hidden],
      activation: typeof spec.activation === "string" ? spec.activation : [...spec.activation],
    };
    this.layers = planLayers(this.spec);
    this.L = this.layers.length;
    this.outputUnit = resolveOutputUnit(this.spec);
    this.leakyAlpha = resolveLeakyAlpha(this.spec);
    this.out = this.alloc(0);

    const rng = createRng(seed);
    this.params = [];
    const slots: LayerSlots[] = [];
    for (const layer of this.layers) {
      const { Din, width } = layer;
      const W = this.alloc(Din * width);
      const useHe = init === "he" || (init === "auto" && layer.act !== null && isRectifier(layer.act));
      if (useHe) {
        // He: keeps the activations' second moment steady through rectifiers.
        const std = Math.sqrt(2 / Din);
        for (let i = 0; i < W.length; i++) W[i] = std * rng.normal();
      } else {
        // Glorot (uniform) for sigmoid/tanh and for the output layer, whose unit is no rectifier.
        const limit = Math.sqrt(6 / (Din + width));
        for (let i = 0; i < W.length; i++) W[i] = (2 * rng.next() - 1) * limit;
      }
      const slot: LayerSlots = { w: this.params.length, b: this.params.length + 1, alpha: -1 };
      this.params.push({ name: `W${layer.layer}`, shape: [Din, width], data: W });
      this.params.push({ name: `b${layer.layer}`, shape: [width], data: this.alloc(width) });
      if (layer.act === "prelu") {
        slot.alpha = this.params.length;
        const alpha = this.alloc(layer.units);
        alpha.fill(PRELU_ALPHA_INIT);
        this.params.push({ name: `alpha${layer.layer}`, shape: [layer.units], data: alpha });
      }
      slots.push(slot);
    }
    this.slots = slots;
    this.grads = this.params.map((p) => this.alloc(p.data.length));
    this.paramCount = this.params.reduce((s, p) => s + p.data.length, 0);
  }

  private alloc(length: number): T {
    return allocFloat(this.dtype, length) as T;
  }

  private ensureCapacity(B: number): void {
    if (B <= this.capacity) return;
    this.capacity = B;
    this.Z = [];
    this.A = [];
    this.dA = [];
    this.dZ = [];
    this.winners = [];
    for (let l = 0; l < this.L; l++) {
      const layer = this.layers[l]!;
      this.Z.push(this.alloc(B * layer.width));
      this.dZ.push(this.alloc(B * layer.width));
      if (layer.act !== null) {
        this.A.push(this.alloc(B * layer.units));
        this.dA.push(this.alloc(B * layer.units));
        this.winners.push(layer.act === "maxout" ? new Int32Array(B * layer.units) : null);
      }
    }
    this.out = this.alloc(B * this.spec.outputDim);
  }

  private hiddenForward(l: number, B: number): void {
    const layer = this.layers[l]!;
    const Z = this.Z[l]!;
    const A = this.A[l]!;
    switch (layer.act) {
      case "prelu":
        return preluForward(Z, this.params[this.slots[l]!.alpha]!.data, A, B, layer.units);
      case "maxout":
        return maxoutForward(Z, A, this.winners[l]!, B, layer.units, layer.pieces);
      case null:
        return;
      default:
        return activationForward(layer.act, Z, A, B * layer.units, this.leakyAlpha);
    }
  }

  /** dA[l] → dZ[l] through the hidden unit of layer l (and its slopes' gradient for PReLU). */
  private hiddenBackward(l: number, B: number): void {
    const layer = this.layers[l]!;
    const dA = this.dA[l]!;
    const dZ = this.dZ[l]!;
    switch (layer.act) {
      case "prelu": {
        const slot = this.slots[l]!.alpha;
        return preluBackward(this.Z[l]!, this.params[slot]!.data, dA, dZ, this.grads[slot]!, B, layer.units);
      }
      case "maxout":
        return maxoutBackward(this.winners[l]!, dA, dZ, B, layer.units, layer.pieces);
      case null:
        return;
      default:
        return activationBackward(layer.act, this.Z[l]!, this.A[l]!, dA, dZ, B * layer.units, this.leakyAlpha);
    }
  }

  /** Fills the per-layer buffers for the first B rows of X (no length checks). */
  private forwardLogits(X: FloatArray, B: number): void {
    this.ensureCapacity(B);
    let input: FloatArray = X;
    for (let l = 0; l < this.L; l++) {
      const { Din, width } = this.layers[l]!;
      const slot = this.slots[l]!;
      linearForward(input, this.params[slot.w]!.data, this.params[slot.b]!.data, this.Z[l]!, B, Din, width);
      if (l < this.L - 1) {
        this.hiddenForward(l, B);
        input = this.A[l]!;
      }
    }
  }

  /** Output-unit values for the first B rows; a view of an internal buffer (B×outputDim). */
  forwardInto(X: FloatArray, B: number): T {
    this.forwardLogits(X, B);
    outputForward(this.outputUnit, this.Z[this.L - 1]!, this.out, B, this.spec.outputDim);
    return this.out.subarray(0, B * this.spec.outputDim) as T;
  }

  /** Mean cost of the batch whose logits the last forward pass left in the buffers. */
  lossOfLastForward(y: FloatArray, B: number): number {
    return outputLoss(this.outputUnit, this.Z[this.L - 1]!, y, B, this.spec.outputDim);
  }

  /** Forward + backward on the first B rows; writes this.grads and returns the mean loss. */
  computeGradients(X: FloatArray, y: FloatArray, B: number): number {
    this.forwardLogits(X, B);
    const loss = this.lossOfLastForward(y, B);
    const last = this.L - 1;
    outputBackward(this.outputUnit, this.Z[last]!, y, this.dZ[last]!, B, this.spec.outputDim);
    for (let l = last; l >= 0; l--) {
      const { Din, width } = this.layers[l]!;
      const slot = this.slots[l]!;
      const input = l === 0 ? X : this.A[l - 1]!;
      const dBelow = l === 0 ? null : this.dA[l - 1]!;
      linearBackward(input, this.params[slot.w]!.data, this.dZ[l]!, dBelow, this.grads[slot.w]!, this.grads[slot.b]!, B, Din, width);
      if (dBelow !== null) this.hiddenBackward(l - 1, B);
    }
    return loss;
  }

  /**
   * Pre-activations Z of weight layer l (0-based) from the last forward pass: a view of the
   * first B rows, B×width. Diagnostics and the activation-pattern count read it.
   */
  preactivations(l: number, B: number): T {
    return this.Z[l]!.subarray(0, B * this.layers[l]!.width) as T;
  }

  /** Winning piece per unit of maxout layer l from the last forward pass (B×units), else null. */
  maxoutWinners(l: number, B: number): Int32Array | null {
    const w = this.winners[l];
    return w ? w.subarray(0, B * this.layers[l]!.units) : null;
  }

  /** θ ← θ − η·∇θ, using the gradients from the last computeGradients. */
  applySgd(learningRate: number): void {
    for (let p = 0; p < this.params.length; p++) {
      const w = this.params[p]!.data;
      const g = this.grads[p]!;
      for (let i = 0; i < w.length; i++) w[i]! -= learningRate * g[i]!;
    }
  }

  paramsFinite(): boolean {
    for (const p of this.params) {
      const w = p.data;
      for (let i = 0; i < w.length; i++) if (!Number.isFinite(w[i]!)) return false;
    }
    return true;
  }

  /** Copies of every parameter tensor (for keeping the best weights). */
  copyParams(): T[] {
    return this.params.map((p) => p.data.slice() as T);
  }

  restoreParams(saved: readonly FloatArray[]): void {
    this.params.forEach((p, i) => p.data.set(saved[i]!));
  }

  private checkBatch(X: FloatArray, B: number): void {
    if (!Number.isInteger(B) || B < 1) throw new NnConfigError("B", `must be a positive integer, got ${String(B)}`);
    const want = B * this.spec.inputDim;
    if (X.length !== want) throw new NnConfigError("X", `expected length B×inputDim = ${want}, got ${X.length}`);
  }

  forward(X: FloatArray, B: number): T {
    this.checkBatch(X, B);
    return this.forwardInto(X, B).slice() as T;
  }

  lossAndGradients(X: FloatArray, y: FloatArray, B: number): { loss: number; grads: T[] } {
    this.checkBatch(X, B);
    validateTargets(this.spec, y, B);
    const loss = this.computeGradients(X, y, B);
    return { loss, grads: this.grads.map((g) => g.slice() as T) };
  }

  getParams(): ParamSnapshot[] {
    return this.params.map((p) => ({ name: p.name, shape: [...p.shape], data: Array.from(p.data) }));
  }

  setParams(p: ParamSnapshot[]): void {
    if (!Array.isArray(p) || p.length !== this.params.length) {
      throw new NnConfigError("params", `expected ${this.params.length} tensors, got ${Array.isArray(p) ? p.length : typeof p}`);
    }
    // Validate everything before writing anything, so a bad snapshot leaves the model intact.
    this.params.forEach((mine, i) => {
      const theirs = p[i]!;
      const shapeOk = theirs.shape.length === mine.shape.length && theirs.shape.every((s, k) => s === mine.shape[k]);
      if (theirs.name !== mine.name || !shapeOk) {
        throw new NnConfigError(
          `params[${i}]`,
          `expected ${mine.name} ${JSON.stringify(mine.shape)}, got ${theirs.name} ${JSON.stringify(theirs.shape)}`,
        );
      }
      if (theirs.data.length !== mine.data.length) {
        throw new NnConfigError(`params[${i}].data`, `expected ${mine.data.length} values, got ${theirs.data.length}`);
      }
    });
    this.params.forEach((mine, i) => mine.data.set(p[i]!.data));
  }
}

/**
 * A seeded model. Initialization ("auto"): He (normal, std √(2/Din)) before rectifiers, Glorot
 * (uniform) elsewhere and for the output layer; biases 0; PReLU slopes 0.25.
 */
export function createMlp(spec: MlpSpec, opts: CreateMlpOptions & { dtype: "float64" }): Mlp<Float64Array>;
export function createMlp(spec: MlpSpec, opts: CreateMlpOptions & { dtype?: "float32" }): Mlp;
export function createMlp(spec: MlpSpec, opts: CreateMlpOptions): Mlp<Float32Array> | Mlp<Float64Array>;
export function createMlp(spec: MlpSpec, opts: CreateMlpOptions): Mlp<Float32Array> | Mlp<Float64Array> {
  if (opts === null || typeof opts !== "object") throw new NnConfigError("opts", "must be an object like { seed: 1 }");
  return opts.dtype === "float64"
    ? new MlpModel<Float64Array>(spec, opts.seed, { dtype: "float64", init: opts.init })
    : new MlpModel<Float32Array>(spec, opts.seed, { dtype: opts.dtype ?? "float32", init: opts.init });
}
