// The native backend of @automl/nn: fused C++ kernels + OpenBLAS (see README.md). Loading is
// optional: loadNative() returns the backend, or undefined with the reason (not built, no
// OpenBLAS at run time…), so callers fall back to TypeScript.

import { createRequire } from "node:module";
import {
  resolveLeakyAlpha,
  weightDecayMask,
  type Backend,
  type Dtype,
  type MlpModel,
  type MlpSpec,
  type SgdOptions,
  type TrainingSession,
} from "@automl/nn";
import { ACT_CODES, backendKernels, OUTPUT_CODES, type CodedKernels } from "./coded-kernels";

/** The addon's unit codes: the order of ACTIVATIONS / OUTPUT_UNITS (see src/kernels.h). */

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
export interface NativeAddon extends CodedKernels {
  Net: new (config: NetConfig) => NativeNet;
  /**
   * The process-wide OpenBLAS thread budget, the threads each sgemm uses now, the live networks
   * sharing them and the trainers declared with reserveTrainers (0 when none was).
   */
  blasThreads(): { budget: number; current: number; live: number; trainers: number };
  /** The process runs `trainers` trainers at once: each network's share is budget / max(live, trainers). */
  reserveTrainers(trainers: number): void;
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



/** A network's training session on the addon: one native call per training step. */
class NativeSession implements TrainingSession {
  readonly sqNorms: Float64Array;
  private readonly net: NativeNet;
  private readonly velocityBuffers: Float32Array[] | null;
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
      layers.set([p.Din, p.width, p.units, p.act === null ? -1 : ACT_CODES.get(p.act)!, p.pieces, slot.w, slot.b, slot.alpha], l * 8);
    });
    const params = model.params.map((p) => p.data);
    const momentum = opts.momentum ?? 0;
    this.sqNorms = new Float64Array(params.length);
    // The addon updates these buffers in place; kept so that checkpoints can read and restore them.
    this.velocityBuffers = momentum > 0 ? params.map((p) => new Float32Array(p.length)) : null;
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
      velocity: this.velocityBuffers,
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

  momentumBuffers(): Float32Array[] | null {
    return this.velocityBuffers;
  }

  dispose(): void {
    this.net.dispose();
  }
}

/** The Backend over a loaded addon. */
export function createNativeBackend(addon: NativeAddon): Backend {
  const kernels = backendKernels(addon);
  return {
    name: "native",
    kernels,
    unsupported(_spec: MlpSpec, dtype: Dtype): string | null {
      return dtype === "float32" ? null : `the native backend trains float32 only, got ${dtype}`;
    },
    createSession: (model, opts) => new NativeSession(addon, model, opts),
  };
}
