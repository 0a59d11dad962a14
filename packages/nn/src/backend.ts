// The compute backend a network trains on. @automl/nn stays pure and never loads native code:
// the caller (the worker) builds the list of available backends — the TypeScript one always,
// `@automl/nn-native`'s when its addon loaded — and passes the chosen one to crossValidate
// (`opts.backend`). Injection rather than a lazy import keeps the engine free of I/O and of a
// dependency on the addon, keeps tests able to hand in any implementation, and lets other
// backends (tfjs, cuda) plug in without touching the engine.
//
// A backend has two faces:
// - `kernels`: the engine's kernels one by one (same signatures as src/kernels/*, float32 only).
//   The conformance suite (@automl/nn/testing) checks each against the TypeScript reference.
// - `createSession`: a network's whole training step (forward, cost + δ(L), backward, SGD
//   update) as one call, which is what makes a native backend fast (one crossing per step).
// Parameters live in the model's own Float32Arrays (model.params[i].data); a session reads and
// updates them in place, so copies/restores of the model's weights just work. The exception is a
// session with pullParams/pushParams (cuda: parameters resident in device memory for the whole
// session): the caller pulls before reading model.params and pushes after writing them.

import type { ElementwiseActivation } from "./kernels/activations";
import type { Dtype } from "./kernels/float";
import type { MlpModel } from "./mlp";
import type { SgdOptions } from "./optimizer";
import type { OutputUnit } from "./output-units";
import type { MlpSpec } from "./types";

export type BackendName = "js" | "native" | "cuda" | "tfjs";
export const BACKEND_NAMES: readonly BackendName[] = ["js", "native", "cuda", "tfjs"];
/** What a user asks for: a backend by name, or "auto" (see selectBackend). */
export type BackendChoice = "auto" | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", ...BACKEND_NAMES];

/** One network's training engine on a backend. Not shared between threads. */
export interface TrainingSession {
  /**
   * One SGD step on the first B rows of X (B×inputDim) and y (B labels or B×outputDim targets):
   * forward, mean cost, δ(L), backward, then the update of the model's parameters with
   * learningRate (momentum, weight decay and clipping as configured). Returns the mean cost
   * before the update. When that cost is not finite the parameters are left unchanged.
   * Afterwards `sqNorms` holds Σg² per parameter tensor and preactivations() this batch's Z.
   */
  step(X: Float32Array, y: Float32Array, B: number, learningRate: number): number;
  /**
   * Optional: step() on rows order[start..start+B) of the whole training part X (n×inputDim)
   * and y, gathered by the backend (saves a copy through JS per step). crossValidate uses it
   * when present.
   */
  stepRows?(X: Float32Array, y: Float32Array, order: Int32Array, start: number, B: number, learningRate: number): number;
  /** Σg² of every parameter tensor's raw gradient at the last step (model.params order). */
  readonly sqNorms: Float64Array;
  /** Output-unit values of the first B rows: a view of an internal buffer, B×outputDim. */
  forward(X: Float32Array, B: number): Float32Array;
  /** Mean cost of the batch of the last forward() or step(). */
  lossOfLastForward(y: Float32Array, B: number): number;
  /** Z of weight layer l (0-based) from the last forward/step: a view, B×width. */
  preactivations(l: number, B: number): Float32Array;
  /**
   * Optional, for sessions that keep the parameters in their own memory (cuda: on the device).
   * When present, step/stepRows update that copy only: model.params are current after
   * pullParams() (device → model), and writes to model.params reach the session through
   * pushParams() (model → device). Sessions without them keep model.params current throughout.
   */
  pullParams?(): void;
  pushParams?(): void;
  /**
   * Optional: sets alive[j] = 1 for every unit j of hidden layer l whose z was > 0 in some of the
   * last pass's B rows (leaves the others). The dead-unit diagnostic uses it instead of reading
   * preactivations(), which a device-resident session would have to download every step.
   */
  markAlive?(l: number, B: number, alive: Uint8Array): void;
  /**
   * Optional: the optimizer's live momentum buffers (model.params order), null without momentum.
   * Checkpoints read and restore them; a session without it (device-resident momentum) can only
   * be checkpointed when training has no momentum.
   */
  momentumBuffers?(): Float32Array[] | null;
  /** Frees native resources; the session must not be used afterwards. Idempotent. */
  dispose(): void;
}

/** The engine's kernels, float32, with the reference signatures of src/kernels/*. */
export interface BackendKernels {
  /** Z = A·W + b. */
  linearForward(A: Float32Array, W: Float32Array, b: Float32Array, Z: Float32Array, B: number, Din: number, Dout: number): void;
  /** dW = Aᵀ dZ, db = colsum dZ, dA = dZ Wᵀ (skipped when dA is null); dW, db overwritten. */
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
  activationForward(act: ElementwiseActivation, Z: Float32Array, A: Float32Array, len: number, leakyAlpha: number): void;
  activationBackward(
    act: ElementwiseActivation,
    Z: Float32Array,
    A: Float32Array,
    dA: Float32Array,
    dZ: Float32Array,
    len: number,
    leakyAlpha: number,
  ): void;
  preluForward(Z: Float32Array, alpha: Float32Array, A: Float32Array, B: number, D: number): void;
  /** dAlpha overwritten. */
  preluBackward(Z: Float32Array, alpha: Float32Array, dA: Float32Array, dZ: Float32Array, dAlpha: Float32Array, B: number, D: number): void;
  maxoutForward(Z: Float32Array, A: Float32Array, winners: Int32Array, B: number, D: number, k: number): void;
  maxoutBackward(winners: Int32Array, dA: Float32Array, dZ: Float32Array, B: number, D: number, k: number): void;
  /** out (B×outputDim) = the output unit applied to the logits Z. */
  outputForward(unit: OutputUnit, Z: Float32Array, out: Float32Array, B: number, outputDim: number): void;
  /** Mean cost over the batch and δ(L) = ∂(mean cost)/∂Z into dZ, in one pass. */
  outputLossAndDelta(unit: OutputUnit, Z: Float32Array, y: Float32Array, dZ: Float32Array, B: number, outputDim: number): number;
  /**
   * One tensor's SGD update (see optimizer.ts): ĝ = g·scale + λw; with v: v ← μv − ηĝ, w ← w + v;
   * without: w ← w − ηĝ. Returns Σg² of the raw g.
   */
  sgdUpdate(
    w: Float32Array,
    g: Float32Array,
    v: Float32Array | null,
    learningRate: number,
    momentum: number,
    weightDecay: number,
    scale: number,
  ): number;
}

export interface Backend {
  readonly name: BackendName;
  /** null when this backend can train `spec` with element type `dtype`, else the reason it cannot. */
  unsupported(spec: MlpSpec, dtype: Dtype): string | null;
  readonly kernels: BackendKernels;
  /**
   * A training session for `model` (float32) with the optimizer options. Weight decay applies to
   * the weight matrices only, as in crossValidate.
   */
  createSession(model: MlpModel<Float32Array>, opts: SgdOptions): TrainingSession;
}
