import { createRng } from "@automl/common";
import { ACTIVATIONS, activationBackward, activationForward } from "./kernels/activations";
import { linearBackward, linearForward } from "./kernels/linear";
import {
  sigmoidCrossEntropyBackward,
  sigmoidCrossEntropyForward,
  sigmoidOutputForward,
  softmaxCrossEntropyBackward,
  softmaxCrossEntropyForward,
  softmaxForward,
  squaredErrorBackward,
  squaredErrorForward,
} from "./kernels/outputs";
import { NnConfigError, TASKS, type Mlp, type MlpSpec, type Param, type ParamSnapshot } from "./types";

// Bounds that catch typos (width 1e9) before they allocate gigabytes.
const MAX_WIDTH = 1 << 16;
const MAX_DEPTH = 64;

function isPositiveInt(x: unknown, max: number): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= max;
}

export function validateMlpSpec(spec: MlpSpec): void {
  if (spec === null || typeof spec !== "object") throw new NnConfigError("spec", "must be an object");
  if (!isPositiveInt(spec.inputDim, MAX_WIDTH)) {
    throw new NnConfigError("spec.inputDim", `must be an integer in [1, ${MAX_WIDTH}], got ${String(spec.inputDim)}`);
  }
  if (!Array.isArray(spec.hidden) || spec.hidden.length > MAX_DEPTH) {
    throw new NnConfigError("spec.hidden", `must be an array of at most ${MAX_DEPTH} widths`);
  }
  spec.hidden.forEach((w, i) => {
    if (!isPositiveInt(w, MAX_WIDTH)) {
      throw new NnConfigError(`spec.hidden[${i}]`, `must be an integer in [1, ${MAX_WIDTH}], got ${String(w)}`);
    }
  });
  if (!ACTIVATIONS.includes(spec.activation)) {
    throw new NnConfigError("spec.activation", `must be one of ${ACTIVATIONS.join(", ")}, got ${JSON.stringify(spec.activation)}`);
  }
  if (!TASKS.includes(spec.task)) {
    throw new NnConfigError("spec.task", `must be one of ${TASKS.join(", ")}, got ${JSON.stringify(spec.task)}`);
  }
  const okOut =
    spec.task === "binary"
      ? spec.outputDim === 1
      : spec.task === "multiclass"
        ? isPositiveInt(spec.outputDim, MAX_WIDTH) && spec.outputDim >= 2
        : isPositiveInt(spec.outputDim, MAX_WIDTH);
  if (!okOut) {
    const want = spec.task === "binary" ? "1" : spec.task === "multiclass" ? "the class count K ≥ 2" : "an integer ≥ 1";
    throw new NnConfigError("spec.outputDim", `must be ${want} for task ${spec.task}, got ${String(spec.outputDim)}`);
  }
}

/** Throws unless y holds valid labels/targets for `task` (B labels, or B×D regression targets). */
export function validateTargets(spec: MlpSpec, y: Float32Array, B: number, field = "y"): void {
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

/**
 * The engine's MLP. Beyond the Mlp interface it exposes allocation-free internals used by
 * training: results live in reusable buffers sized for the largest batch seen so far.
 */
export class MlpModel implements Mlp {
  readonly spec: MlpSpec;
  readonly params: Param[];
  readonly paramCount: number;
  /** Gradient buffers, same order and layout as params; overwritten by computeGradients. */
  readonly grads: Float32Array[];
  /** [inputDim, ...hidden, outputDim] */
  private readonly dims: number[];
  private readonly L: number;
  private capacity = 0;
  private Z: Float32Array[] = []; // pre-activations per layer, capacity×dims[l+1]
  private A: Float32Array[] = []; // hidden activations per hidden layer
  private dZ: Float32Array[] = [];
  private out = new Float32Array(0);

  constructor(spec: MlpSpec, seed: number) {
    validateMlpSpec(spec);
    this.spec = { ...spec, hidden: [...spec.hidden] };
    this.dims = [spec.inputDim, ...spec.hidden, spec.outputDim];
    this.L = this.dims.length - 1;
    const rng = createRng(seed);
    this.params = [];
    for (let l = 0; l < this.L; l++) {
      const Din = this.dims[l]!;
      const Dout = this.dims[l + 1]!;
      const W = new Float32Array(Din * Dout);
      const hidden = l < this.L - 1;
      if (hidden && spec.activation === "relu") {
        // He: keeps activation variance steady through rectifiers, which zero half the input.
        const std = Math.sqrt(2 / Din);
        for (let i = 0; i < W.length; i++) W[i] = std * rng.normal();
      } else {
        // Glorot (uniform) for sigmoid/tanh and for the output layer, whose unit is no rectifier.
        const limit = Math.sqrt(6 / (Din + Dout));
        for (let i = 0; i < W.length; i++) W[i] = (2 * rng.next() - 1) * limit;
      }
      this.params.push({ name: `W${l + 1}`, shape: [Din, Dout], data: W });
      this.params.push({ name: `b${l + 1}`, shape: [Dout], data: new Float32Array(Dout) });
    }
    this.grads = this.params.map((p) => new Float32Array(p.data.length));
    this.paramCount = this.params.reduce((s, p) => s + p.data.length, 0);
  }

  private ensureCapacity(B: number): void {
    if (B <= this.capacity) return;
    this.capacity = B;
    this.Z = [];
    this.A = [];
    this.dZ = [];
    for (let l = 0; l < this.L; l++) {
      const D = this.dims[l + 1]!;
      this.Z.push(new Float32Array(B * D));
      this.dZ.push(new Float32Array(B * D));
      if (l < this.L - 1) this.A.push(new Float32Array(B * D));
    }
    this.out = new Float32Array(B * this.spec.outputDim);
  }

  /** Fills the per-layer buffers for the first B rows of X (no length checks). */
  private forwardLogits(X: Float32Array, B: number): void {
    this.ensureCapacity(B);
    let input = X;
    for (let l = 0; l < this.L; l++) {
      const Din = this.dims[l]!;
      const Dout = this.dims[l + 1]!;
      const Z = this.Z[l]!;
      linearForward(input, this.params[2 * l]!.data, this.params[2 * l + 1]!.data, Z, B, Din, Dout);
      if (l < this.L - 1) {
        const A = this.A[l]!;
        activationForward(this.spec.activation, Z, A, B * Dout);
        input = A;
      }
    }
  }

  /** Output-unit values for the first B rows; a view of an internal buffer (B×outputDim). */
  forwardInto(X: Float32Array, B: number): Float32Array {
    this.forwardLogits(X, B);
    const Zout = this.Z[this.L - 1]!;
    const D = this.spec.outputDim;
    switch (this.spec.task) {
      case "binary":
        sigmoidOutputForward(Zout, this.out, B);
        break;
      case "multiclass":
        softmaxForward(Zout, this.out, B, D);
        break;
      case "regression":
        this.out.set(Zout.subarray(0, B * D));
        break;
    }
    return this.out.subarray(0, B * D);
  }

  /** Mean cost of the batch whose logits the last forward pass left in the buffers. */
  lossOfLastForward(y: Float32Array, B: number): number {
    const Zout = this.Z[this.L - 1]!;
    const D = this.spec.outputDim;
    switch (this.spec.task) {
      case "binary":
        return sigmoidCrossEntropyForward(Zout, y, B);
      case "multiclass":
        return softmaxCrossEntropyForward(Zout, y, B, D);
      case "regression":
        return squaredErrorForward(Zout, y, B, D);
    }
  }

  /** Forward + backward on the first B rows; writes this.grads and returns the mean loss. */
  computeGradients(X: Float32Array, y: Float32Array, B: number): number {
    this.forwardLogits(X, B);
    const loss = this.lossOfLastForward(y, B);
    const last = this.L - 1;
    const Dlast = this.spec.outputDim;
    const dZout = this.dZ[last]!;
    const Zout = this.Z[last]!;
    switch (this.spec.task) {
      case "binary":
        sigmoidCrossEntropyBackward(Zout, y, dZout, B);
        break;
      case "multiclass":
        softmaxCrossEntropyBackward(Zout, y, dZout, B, Dlast);
        break;
      case "regression":
        squaredErrorBackward(Zout, y, dZout, B, Dlast);
        break;
    }
    for (let l = last; l >= 0; l--) {
      const Din = this.dims[l]!;
      const Dout = this.dims[l + 1]!;
      const input = l === 0 ? X : this.A[l - 1]!;
      // dA of the layer below lands in its dZ buffer, then act' is applied in place.
      const dBelow = l === 0 ? null : this.dZ[l - 1]!;
      linearBackward(
        input,
        this.params[2 * l]!.data,
        this.dZ[l]!,
        dBelow,
        this.grads[2 * l]!,
        this.grads[2 * l + 1]!,
        B,
        Din,
        Dout,
      );
      if (dBelow !== null) {
        activationBackward(this.spec.activation, this.Z[l - 1]!, this.A[l - 1]!, dBelow, dBelow, B * Din);
      }
    }
    return loss;
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

  private checkBatch(X: Float32Array, B: number): void {
    if (!Number.isInteger(B) || B < 1) throw new NnConfigError("B", `must be a positive integer, got ${String(B)}`);
    const want = B * this.spec.inputDim;
    if (X.length !== want) throw new NnConfigError("X", `expected length B×inputDim = ${want}, got ${X.length}`);
  }

  forward(X: Float32Array, B: number): Float32Array {
    this.checkBatch(X, B);
    return this.forwardInto(X, B).slice();
  }

  lossAndGradients(X: Float32Array, y: Float32Array, B: number): { loss: number; grads: Float32Array[] } {
    this.checkBatch(X, B);
    validateTargets(this.spec, y, B);
    const loss = this.computeGradients(X, y, B);
    return { loss, grads: this.grads.map((g) => g.slice()) };
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

/** Initialization: He (normal) before ReLU, Glorot (uniform) otherwise; biases 0; seeded. */
export function createMlp(spec: MlpSpec, opts: { seed: number }): Mlp {
  return new MlpModel(spec, opts.seed);
}
