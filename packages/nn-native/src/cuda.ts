// The cuda backend of @automl/nn: the CUDA kernels of ../cuda (cuBLAS GEMM when built with it),
// bound by ../cuda/binding.cc. A session keeps its network's parameters, momentum buffers and
// activations in device memory for its whole life: a step uploads the batch and downloads only
// [loss, Σg² per tensor]; the parameters cross when the engine asks (pullParams / pushParams, see
// TrainingSession in @automl/nn), outputs and preactivations when they are read, and the
// dead-unit diagnostic as one byte per unit (markAlive).
//
// Loading is optional and never throws: loadCuda() gives the backend only when the addon loads
// AND a CUDA device is present, otherwise the reason (not built and why, no device, …).

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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

/** Unit codes: the order of ACTIVATIONS / OUTPUT_UNITS, as the enums in cuda/kernels.cuh. */

interface CudaNetConfig {
  inputDim: number;
  /** [units, act, pieces] per hidden layer. */
  hidden: Int32Array;
  output: number;
  outputDim: number;
  leakyAlpha: number;
  momentum: number;
  weightDecay: number;
  clipNorm: number;
  capacity: number;
  /** Receives Σg² per parameter tensor after each step. */
  sqNorms: Float64Array;
}

interface CudaNet {
  paramSizes(): number[];
  setParams(params: Float32Array[]): void;
  getParams(params: Float32Array[]): void;
  step(X: Float32Array, y: Float32Array, B: number, learningRate: number): number;
  stepRows(X: Float32Array, y: Float32Array, order: Int32Array, start: number, B: number, learningRate: number): number;
  forward(X: Float32Array, B: number, out: Float32Array): void;
  loss(y: Float32Array, B: number): number;
  preactivations(l: number, B: number, out: Float32Array): void;
  positiveColumns(l: number, B: number, out: Uint8Array): void;
  dispose(): void;
}

/** What cudaGetDeviceCount and device 0 say (the emulated build: one CPU stand-in device). */
export interface CudaDeviceInfo {
  count: number;
  name?: string;
  computeCapability?: string;
  /** "cublas" or "tiled" (the own GEMM kernel, when built without cuBLAS). */
  gemm: string;
  /** True for the CPU emulation build (tests only). */
  emulated: boolean;
  /** CUDA's reason when the count could not be read (no driver, …). */
  error?: string;
}

/** The compiled addon's surface (build/Release/nn_cuda.node, or the emulated test build). */
export interface CudaAddon extends CodedKernels {
  Net: new (config: CudaNetConfig) => CudaNet;
  device(): CudaDeviceInfo;
  /** Device 0's memory in bytes (cudaMemGetInfo). */
  memory(): { free: number; total: number };
}

export type CudaLoad =
  | { addon: CudaAddon; backend: Backend; device: CudaDeviceInfo; reason?: undefined }
  | { addon?: undefined; backend?: undefined; device?: CudaDeviceInfo; reason: string };

const buildDir = join(dirname(fileURLToPath(import.meta.url)), "..", "build");
/** The nvcc build (scripts/build-cuda.mjs). */
export const CUDA_ADDON_PATH = join(buildDir, "Release", "nn_cuda.node");
/** Written by scripts/build-cuda.mjs: { built, reason? } of the last build. */
const STATUS_PATH = join(buildDir, "cuda-status.json");

const cache = new Map<string, CudaLoad>();

/**
 * The cuda backend, or the reason it is unavailable: not built (and why, from the build), the
 * addon failed to load, or no CUDA device. Once per path and thread; never throws.
 */
export function loadCuda(): CudaLoad {
  if (!existsSync(CUDA_ADDON_PATH)) return { reason: `not built: ${notBuiltReason()}` };
  return loadCudaFrom(CUDA_ADDON_PATH);
}

/** loadCuda for an addon at `path` (the tests load the CPU-emulated build this way). */
export function loadCudaFrom(path: string): CudaLoad {
  let load = cache.get(path);
  if (!load) {
    load = tryLoad(path);
    cache.set(path, load);
  }
  return load;
}

function tryLoad(path: string): CudaLoad {
  let addon: CudaAddon;
  try {
    addon = createRequire(import.meta.url)(path) as CudaAddon;
  } catch (err) {
    const msg = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    return { reason: `the cuda addon failed to load: ${msg}` };
  }
  let device: CudaDeviceInfo;
  try {
    device = addon.device();
  } catch (err) {
    return { reason: `the cuda addon could not query devices: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (device.count < 1) return { device, reason: `no CUDA device${device.error ? ` (${device.error})` : ""}` };
  return { addon, device, backend: createCudaBackend(addon) };
}

function notBuiltReason(): string {
  try {
    const status = JSON.parse(readFileSync(STATUS_PATH, "utf8")) as { built?: boolean; reason?: string };
    if (status.built === false && status.reason) return status.reason;
  } catch {
    // no status: the build script never ran here
  }
  return "run npm run build -w @automl/nn-native on a machine with nvcc";
}


/** A network's training session with its parameters resident on the device. */
class CudaSession implements TrainingSession {
  readonly sqNorms: Float64Array;
  private readonly net: CudaNet;
  private out = new Float32Array(0);
  private flags = new Uint8Array(0);
  private readonly zBuffers: Float32Array[];
  /** Rows of the last forward pass (step or forward), 0 before the first. */
  private lastRows = 0;
  private disposed = false;

  constructor(
    addon: CudaAddon,
    private readonly model: MlpModel<Float32Array>,
    opts: SgdOptions,
  ) {
    if (model.dtype !== "float32") throw new Error(`dtype: the cuda backend trains float32 only, got ${model.dtype}`);
    checkParamLayout(model);
    const hidden = new Int32Array((model.layers.length - 1) * 3);
    model.layers.slice(0, -1).forEach((p, l) => hidden.set([p.units, ACT_CODES.get(p.act!)!, p.pieces], l * 3));
    this.sqNorms = new Float64Array(model.params.length);
    this.net = new addon.Net({
      inputDim: model.spec.inputDim,
      hidden,
      output: OUTPUT_CODES.get(model.outputUnit)!,
      outputDim: model.spec.outputDim,
      leakyAlpha: resolveLeakyAlpha(model.spec),
      momentum: opts.momentum ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      clipNorm: opts.clipNorm ?? 0,
      capacity: 1,
      sqNorms: this.sqNorms,
    });
    this.zBuffers = model.layers.map(() => new Float32Array(0));
    try {
      const sizes = this.net.paramSizes();
      model.params.forEach((p, i) => {
        if (sizes[i] !== p.data.length) throw new Error(`params[${i}] (${p.name}): ${p.data.length} elements, the device network has ${sizes[i]}`);
      });
      this.net.setParams(model.params.map((p) => p.data));
    } catch (err) {
      this.net.dispose();
      throw err;
    }
  }

  step(X: Float32Array, y: Float32Array, B: number, learningRate: number): number {
    const loss = this.net.step(X, y, B, learningRate);
    this.lastRows = B;
    return loss;
  }

  stepRows(X: Float32Array, y: Float32Array, order: Int32Array, start: number, B: number, learningRate: number): number {
    const loss = this.net.stepRows(X, y, order, start, B, learningRate);
    this.lastRows = B;
    return loss;
  }

  forward(X: Float32Array, B: number): Float32Array {
    const need = B * this.model.spec.outputDim;
    if (this.out.length < need) this.out = new Float32Array(need);
    this.net.forward(X, B, this.out);
    this.lastRows = B;
    return this.out.subarray(0, need);
  }

  lossOfLastForward(y: Float32Array, B: number): number {
    this.lastPass(B);
    return this.net.loss(y, B);
  }

  preactivations(l: number, B: number): Float32Array {
    this.lastPass(B);
    const width = this.model.layers[l]?.width;
    if (width === undefined) throw new Error(`l: no weight layer ${l} (the network has ${this.model.layers.length})`);
    if (this.zBuffers[l]!.length < B * width) this.zBuffers[l] = new Float32Array(B * width);
    const z = this.zBuffers[l]!.subarray(0, B * width);
    this.net.preactivations(l, B, z);
    return z;
  }

  /** The dead-unit diagnostic on the device: one byte per unit comes back, not B×width floats. */
  markAlive(l: number, B: number, alive: Uint8Array): void {
    this.lastPass(B);
    const width = this.model.layers[l]?.width;
    if (width === undefined) throw new Error(`l: no weight layer ${l} (the network has ${this.model.layers.length})`);
    if (this.flags.length < width) this.flags = new Uint8Array(width);
    this.net.positiveColumns(l, B, this.flags);
    const n = Math.min(width, alive.length);
    for (let j = 0; j < n; j++) if (this.flags[j]) alive[j] = 1;
  }

  pullParams(): void {
    this.net.getParams(this.model.params.map((p) => p.data));
  }

  pushParams(): void {
    this.net.setParams(this.model.params.map((p) => p.data));
  }

  /** Rows of the last pass; reading more would hand out rows of an older batch. */
  private lastPass(B: number): void {
    if (B > this.lastRows) throw new Error(`B: no forward pass of ${B} rows to read (run forward or step first)`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.net.dispose();
  }
}

/**
 * The device network lays out parameters as W, b (and PReLU's α) per layer, with weight decay
 * on the W's only; the model must agree, or the tensors would be paired wrongly.
 */
function checkParamLayout(model: MlpModel<Float32Array>): void {
  const decay = weightDecayMask(model);
  let next = 0;
  model.slots.forEach((slot, l) => {
    const prelu = model.layers[l]!.act === "prelu";
    const want = { w: next, b: next + 1, alpha: prelu ? next + 2 : -1 };
    if (slot.w !== want.w || slot.b !== want.b || slot.alpha !== want.alpha) {
      throw new Error(`model.slots[${l}]: the cuda backend expects W, b${prelu ? ", α" : ""} at ${next}…, got ${JSON.stringify(slot)}`);
    }
    next += prelu ? 3 : 2;
  });
  decay.forEach((d, i) => {
    const isW = model.slots.some((s) => s.w === i);
    if (d !== isW) throw new Error(`weightDecayMask[${i}]: the cuda backend decays the weight matrices only`);
  });
}

/** The Backend over a loaded addon (the real one or the emulated test build). */
export function createCudaBackend(addon: CudaAddon): Backend {
  const kernels = backendKernels(addon);
  return {
    name: "cuda",
    kernels,
    unsupported(_spec: MlpSpec, dtype: Dtype): string | null {
      return dtype === "float32" ? null : `the cuda backend trains float32 only, got ${dtype}`;
    },
    createSession: (model, opts) => new CudaSession(addon, model, opts),
  };
}
