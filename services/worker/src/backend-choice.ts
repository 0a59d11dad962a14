// Which backend trains a trial: AUTOML_BACKEND (auto | js | native | cuda | tfjs) applied to
// the trial's network by @automl/nn's selectBackend, over the backends this process can load.
// "auto" moves a network to cuda only from AUTO_CUDA_MIN_MACS multiply-adds per step (a guess,
// unmeasured: see select.ts).
import { nativeUnavailableNotice, requireBackend, selectBackend, type AvailableBackends, type Backend, type BackendChoice, type MlpSpec } from "@automl/nn";
import { loadNative } from "@automl/nn-native";
import { loadCuda } from "@automl/nn-native/cuda";
import type { TfjsBackendLoad } from "@automl/nn-tfjs";

/**
 * The backends of this process: native when its addon loads, cuda when its addon loads and a
 * CUDA device is present (each loaded once per thread), with the reason for each that did not.
 */
export function availableBackends(): AvailableBackends {
  const native = loadNative();
  const cuda = loadCuda();
  return {
    backends: [native.backend, cuda.backend].filter((b): b is Backend => b !== undefined),
    ...(native.backend ? {} : { nativeUnavailable: native.reason }),
    ...(cuda.backend ? {} : { cudaUnavailable: cuda.reason }),
  };
}

let tfjsLoad: Promise<TfjsBackendLoad> | undefined;
/** tfjs's code (about half a second of loading) only in processes and threads that train with it. */
const loadTfjs = async () => (await import("@automl/nn-tfjs")).loadTfjsBackend();

/**
 * The backends for a choice. tfjs is loaded only when it is asked for by name ("auto" never
 * picks it): its engine is process-wide state and its code is large.
 */
export async function availableBackendsFor(choice: BackendChoice): Promise<AvailableBackends> {
  const available = availableBackends();
  if (choice !== "tfjs") return available;
  tfjsLoad ??= loadTfjs();
  const { backend } = await tfjsLoad;
  return { ...available, backends: [...available.backends, backend] };
}

/** Which tfjs engine a tfjs worker trains on, and why faster ones were not used. */
export async function tfjsEngineNotice(): Promise<string> {
  tfjsLoad ??= loadTfjs();
  const { engine, skipped } = await tfjsLoad;
  return skipped.length ? `tfjs engine: ${engine} (${skipped.join("; ")})` : `tfjs engine: ${engine}`;
}

export function backendFor(choice: BackendChoice, spec: MlpSpec, batchSize: number, available = availableBackends()): Backend {
  return selectBackend(choice, { spec, batchSize }, available).backend;
}

/**
 * Checked once when a worker starts: an explicit backend that cannot load throws (the message
 * names `backend` and how to enable it); "auto" without native returns the one line to log.
 */
export function backendStartupNotice(choice: BackendChoice, available = availableBackends()): string | undefined {
  if (choice !== "auto") {
    requireBackend(choice, available);
    return undefined;
  }
  return available.backends.some((b) => b.name === "native") ? undefined : nativeUnavailableNotice(available);
}
