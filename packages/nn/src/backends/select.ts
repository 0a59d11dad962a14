// Which backend trains a network. Pure: the caller says what is available (and why native is
// not, when it is not) and logs the notice itself.

import type { Backend, BackendChoice } from "../backend";
import { BACKEND_CHOICES } from "../backend";
import type { Dtype } from "../kernels/float";
import { planLayers, validateMlpSpec } from "../spec";
import { NnConfigError, type MlpSpec } from "../types";
import { jsBackend } from "./js";

/**
 * Below this many multiply-adds per training step (batch × Σ Din·width over the layers),
 * "auto" keeps a network in TypeScript. Measured with packages/nn-native/scripts/crossover.ts
 * (js and native alternating in one process, 2-core machine under load, 2026-11-30): native was
 * faster at every size tried — 1.2× at 96 MACs (XOR's 2-8-1, batch 4), 1.6× at 352, 1.3× at
 * 6,144 (2-8-1, batch 256), 3–5× at 5–11k, 7–31× above 20k — and in the quiet `npm run bench`
 * of 2026-11-29 js and native were within noise of each other at 96 MACs. So only XOR-sized
 * steps, where the two tie and TypeScript needs nothing built and is bit-reproducible, stay in
 * TypeScript.
 */
export const AUTO_NATIVE_MIN_MACS = 256;

/**
 * At or above this many multiply-adds per training step, "auto" prefers cuda (when loaded) over
 * native. UNMEASURED: no GPU was available where this was written. A cuda step has a fixed cost
 * of ~20 kernel launches plus one host↔device round trip (the batch up, [loss, Σg²] down) —
 * tens of microseconds — that OpenBLAS does not pay, so only networks whose step costs far more
 * than that should move. 50M MACs (e.g. 784-1024-1024-10 at batch 64 is 119M; 784-256-256-10
 * at batch 128 is 34M and stays native) is a conservative guess; measure with cuda/check.sh's
 * timings against native before lowering it.
 */
export const AUTO_CUDA_MIN_MACS = 50_000_000;

/** The command that builds the native backend, for the one-line notice. */
export const ENABLE_NATIVE_HINT = "apt-get install libopenblas-dev && npm run build -w @automl/nn-native";

export interface BackendSelection {
  backend: Backend;
  /** One line to log once (e.g. how to enable native); undefined when there is nothing to say. */
  notice?: string;
}

export interface AvailableBackends {
  /** Backends other than js that loaded (js is always available). */
  backends: readonly Backend[];
  /** Why native did not load, when it did not. */
  nativeUnavailable?: string;
  /** Why cuda did not load, when it did not (not built, no CUDA device…). */
  cudaUnavailable?: string;
}

/** Multiply-adds of one training step's forward pass: B × Σ Din·width. */
export function stepMacs(spec: MlpSpec, batchSize: number): number {
  return batchSize * planLayers(spec).reduce((s, p) => s + p.Din * p.width, 0);
}

/**
 * "js" → TypeScript; "native" / "cuda" / "tfjs" → that backend, or an NnConfigError naming
 * `backend` when it is unavailable or cannot run this network; "auto" → cuda when it is loaded,
 * supports the network and the step has at least AUTO_CUDA_MIN_MACS multiply-adds; else native
 * when it is available, supports the network and the step has at least AUTO_NATIVE_MIN_MACS
 * multiply-adds; else TypeScript (with a notice when native is missing).
 */
export function selectBackend(
  choice: BackendChoice,
  net: { spec: MlpSpec; batchSize: number; dtype?: Dtype },
  available: AvailableBackends,
): BackendSelection {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new NnConfigError("backend", `must be one of ${BACKEND_CHOICES.join(", ")}, got ${JSON.stringify(choice)}`);
  }
  validateMlpSpec(net.spec);
  const dtype = net.dtype ?? "float32";
  if (choice === "js") return { backend: jsBackend };
  const byName = (name: string) => available.backends.find((b) => b.name === name);
  if (choice !== "auto") {
    const b = requireBackend(choice, available);
    const reason = b.unsupported(net.spec, dtype);
    if (reason !== null) throw new NnConfigError("backend", `${choice} cannot train this network: ${reason}`);
    return { backend: b };
  }
  const cuda = byName("cuda");
  if (cuda && cuda.unsupported(net.spec, dtype) === null && stepMacs(net.spec, net.batchSize) >= AUTO_CUDA_MIN_MACS) {
    return { backend: cuda };
  }
  const native = byName("native");
  if (!native) return { backend: jsBackend, notice: nativeUnavailableNotice(available) };
  if (native.unsupported(net.spec, dtype) !== null) return { backend: jsBackend };
  return { backend: stepMacs(net.spec, net.batchSize) >= AUTO_NATIVE_MIN_MACS ? native : jsBackend };
}

/** The one line a worker logs when "auto" has no native backend: why, and how to enable it. */
export function nativeUnavailableNotice(available: AvailableBackends): string {
  const why = available.nativeUnavailable ? ` (${available.nativeUnavailable})` : "";
  return `native backend unavailable${why}; training in TypeScript. To enable it: ${ENABLE_NATIVE_HINT}`;
}

/**
 * The backend named `choice` ("js" always exists), or an NnConfigError naming `backend` that
 * says why it is unavailable — so a worker can refuse to start rather than fail every trial.
 */
export function requireBackend(choice: Exclude<BackendChoice, "auto">, available: AvailableBackends): Backend {
  if (choice === "js") return jsBackend;
  const b = available.backends.find((x) => x.name === choice);
  if (b) return b;
  const unavailable = choice === "native" ? available.nativeUnavailable : choice === "cuda" ? available.cudaUnavailable : undefined;
  const why = unavailable ? `: ${unavailable}` : "";
  const hint = choice === "native" ? ` (to enable it: ${ENABLE_NATIVE_HINT})` : "";
  throw new NnConfigError("backend", `${choice} is not available${why}${hint}`);
}
