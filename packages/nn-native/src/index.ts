// The native backend of @automl/nn: fused C++ kernels + OpenBLAS (see README.md). Loading is
// optional: loadNative() returns the backend, or undefined with the reason (not built, no
// OpenBLAS at run time…), so callers fall back to TypeScript.

import { createRequire } from "node:module";
import {
  ACTIVATIONS,
  OUTPUT_UNITS,
  resolveLeakyAlpha,
  weightDecayMask,
  type Activation,
  type Backend,
  type BackendKernels,
  type Dtype,
  type MlpModel,
  type MlpSpec,
  type OutputUnit,
  type SgdOptions,
  type TrainingSession,
} from "@automl/nn";

/** The addon's unit codes: the order of ACTIVATIONS / OUTPUT_UNITS (see src/kernels.h). */
const ACT_CODES = new Map<Activation, number>(ACTIVATIONS.map((a, i) => [a, i]));
const OUTPUT_CODES = new Map<OutputUnit, number>(OUTPUT_UNITS.map((u, i) => [u, i]));

interface NetConfig {
  layers: Int32Array;
  output: number;
  outputDim: number;
  leakyAlpha: number;
  momentum: number;
  weightDecay: number;
  clipNorm: number;
  params: Float32Array[];
  grads: Float32Array[];
  velocity: Float32Array[] | null;
  decay: Uint8Array;
  sqNorms: Float64Array;
}

interface Workspace {
  capacity: number;
  Z: Float32Array[];
  dZ: Float32Array[];
  A: Float32Array[];
  dA: Float32Array[];
  winners: (Int32Array | null)[];
  out: Float32Array;
}

interface NativeNet {
  setWorkspace(ws: Workspace): void;
  step(X: Float32Array, y: Float32Array, B: number, learningRate: number): number;
  stepRows(X: Float32Array, y: Float32Array, order: Int32Array, start: number, B: number, learningRate: number): number;
  forward(X: Float32Array, B: number): void;
  loss(y: Float32Array, B: number): number;
  dispose(): void;
}

/** The compiled addon's surface (build/Release/nn_native.node). */
export interface NativeAddon {
  Net: new (config: NetConfig) => NativeNet;
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
  /** The process-wide OpenBLAS thread budget, the threads each sgemm uses now, and the live networks sharing them. */
  blasThreads(): { budget: number; current: number; live: number };
}

const ADDON_PATH = "../build/Release/nn_native.node";

export type NativeLoad = { addon: NativeAddon; backend: Backend; reason?: undefined } | { addon?: undefined; backend?: undefined; reason: string };

let cached: NativeLoad | undefined;

/**
 * The native backend, or the reason it is unavailable. Loads the addon once per thread; a
 * missing build is the normal case on machines without a compiler or OpenBLAS.
 */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
    cached = { addon, backend: createNativeBackend(addon) };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    cached = {
      reason: msg.includes("Cannot find module") ? "the addon is not built" : `the addon failed to load: ${msg}`,
    };
  }
  return cached;
}

function actCode(act: Activation): number {
  return ACT_CODES.get(act)!;
}

function elementwiseCode(act: Activation): number {
  if (act === "prelu" || act === "maxout") throw new Error(`act: ${act} is not an elementwise unit`);
  return actCode(act);
}

/** A network's training session on the addon: one native call per training step. */
class NativeSession implements TrainingSession {
  readonly sqNorms: Float64Array;
  private readonly net: NativeNet;
  private ws: Workspace | null = null;

  constructor(
    addon: NativeAddon,
    private readonly model: MlpModel<Float32Array>,
    opts: SgdOptions,
  ) {
    if (model.dtype !== "float32") throw new Error(`dtype: the native backend trains float32 only, got ${model.dtype}`);
    const layers = new Int32Array(model.layers.length * 8);
    model.layers.forEach((p, l) => {
      const slot = model.slots[l]!;
      layers.set([p.Din, p.width, p.units, p.act === null ? -1 : actCode(p.act), p.pieces, slot.w, slot.b, slot.alpha], l * 8);
    });
    const params = model.params.map((p) => p.data);
    const momentum = opts.momentum ?? 0;
    this.sqNorms = new Float64Array(params.length);
    this.net = new addon.Net({
      layers,
      output: OUTPUT_CODES.get(model.outputUnit)!,
      outputDim: model.spec.outputDim,
      leakyAlpha: resolveLeakyAlpha(model.spec),
      momentum,
      weightDecay: opts.weightDecay ?? 0,
      clipNorm: opts.clipNorm ?? 0,
      params,
      grads: model.grads,
      velocity: momentum > 0 ? params.map((p) => new Float32Array(p.length)) : null,
      decay: Uint8Array.from(weightDecayMask(model), (d) => (d ? 1 : 0)),
      sqNorms: this.sqNorms,
    });
  }

  private ensureCapacity(B: number): Workspace {
    if (this.ws && this.ws.capacity >= B) return this.ws;
    const capacity = Math.max(B, this.ws?.capacity ?? 0);
    const layers = this.model.layers;
    const hidden = layers.slice(0, -1);
    const ws: Workspace = {
      capacity,
      Z: layers.map((p) => new Float32Array(capacity * p.width)),
      dZ: layers.map((p) => new Float32Array(capacity * p.width)),
      A: hidden.map((p) => new Float32Array(capacity * p.units)),
      dA: hidden.map((p) => new Float32Array(capacity * p.units)),
      winners: hidden.map((p) => (p.act === "maxout" ? new Int32Array(capacity * p.units) : null)),
      out: new Float32Array(capacity * this.model.spec.outputDim),
    };
    this.net.setWorkspace(ws);
    this.ws = ws;
    return ws;
  }

  step(X: Float32Array, y: Float32Array, B: number, learningRate: number): number {
    this.ensureCapacity(B);
    return this.net.step(X, y, B, learningRate);
  }

  stepRows(X: Float32Array, y: Float32Array, order: Int32Array, start: number, B: number, learningRate: number): number {
    this.ensureCapacity(B);
    return this.net.stepRows(X, y, order, start, B, learningRate);
  }

  forward(X: Float32Array, B: number): Float32Array {
    const ws = this.ensureCapacity(B);
    this.net.forward(X, B);
    return ws.out.subarray(0, B * this.model.spec.outputDim);
  }

  lossOfLastForward(y: Float32Array, B: number): number {
    this.lastPass(B);
    return this.net.loss(y, B);
  }

  preactivations(l: number, B: number): Float32Array {
    return this.lastPass(B).Z[l]!.subarray(0, B * this.model.layers[l]!.width);
  }

  /** The buffers of the last pass; growing them here would hand out zeros instead. */
  private lastPass(B: number): Workspace {
    if (!this.ws || this.ws.capacity < B) throw new Error(`B: no forward pass of ${B} rows to read (run forward or step first)`);
    return this.ws;
  }

  dispose(): void {
    this.net.dispose();
  }
}

/** The Backend over a loaded addon. */
export function createNativeBackend(addon: NativeAddon): Backend {
  const kernels: BackendKernels = {
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
  return {
    name: "native",
    kernels,
    unsupported(_spec: MlpSpec, dtype: Dtype): string | null {
      return dtype === "float32" ? null : `the native backend trains float32 only, got ${dtype}`;
    },
    createSession: (model, opts) => new NativeSession(addon, model, opts),
  };
}
