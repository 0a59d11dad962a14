// The tfjs backend and how it is loaded. tfjs-core runs its ops on whichever tfjs engine is
// registered: TensorFlow's C library through @tensorflow/tfjs-node-gpu (CUDA) or
// @tensorflow/tfjs-node when one of them is installed, else the pure-JS CPU engine of
// @tensorflow/tfjs-backend-cpu (always installed with this package). The tfjs-node packages are
// optional and never declared: their install script downloads libtensorflow, which cannot run on
// our machines, so they are looked up at run time and skipped when absent.

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu"; // registers the "cpu" engine
import type { Backend, Dtype, MlpSpec } from "@automl/nn";
import { tfjsKernels } from "./kernels";
import { TfjsSession } from "./session";

/** The tfjs engine the ops ran on: TensorFlow with CUDA, TensorFlow on the CPU, or pure JS. */
export type TfjsEngine = "tensorflow-gpu" | "tensorflow" | "cpu";

export interface TfjsBackendLoad {
  backend: Backend;
  engine: TfjsEngine;
  /** Why each preferred engine was not used, e.g. "@tensorflow/tfjs-node-gpu: not installed". */
  skipped: string[];
}

const NODE_ENGINES: { engine: TfjsEngine; pkg: string }[] = [
  { engine: "tensorflow-gpu", pkg: "@tensorflow/tfjs-node-gpu" },
  { engine: "tensorflow", pkg: "@tensorflow/tfjs-node" },
];

/** Every hidden unit and output unit is supported; only the element type is restricted. */
export function tfjsUnsupported(_spec: MlpSpec, dtype: Dtype): string | null {
  return dtype === "float32" ? null : `tfjs trains in float32 only, got dtype ${dtype}`;
}

export const tfjsBackend: Backend = {
  name: "tfjs",
  unsupported: tfjsUnsupported,
  kernels: tfjsKernels,
  createSession: (model, opts) => new TfjsSession(model, opts),
};

function errorLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") return "not installed";
  return (e?.message ?? String(err)).split("\n")[0]!;
}

/**
 * Loads the best tfjs engine available: tfjs-node-gpu, then tfjs-node (both "tensorflow" in
 * tfjs), else the pure-JS "cpu" engine. `engines` limits the candidates (tests pin "cpu").
 * tfjs' engine is process-global, so this sets it for every tfjs user in the process.
 */
export async function loadTfjsBackend(opts: { engines?: readonly TfjsEngine[] } = {}): Promise<TfjsBackendLoad> {
  const allowed = opts.engines ?? ["tensorflow-gpu", "tensorflow", "cpu"];
  const skipped: string[] = [];
  // PROD silences tfjs' console hints (e.g. "install tfjs-node") and skips debug checks.
  tf.env().set("PROD", true);
  for (const { engine, pkg } of NODE_ENGINES) {
    if (!allowed.includes(engine)) continue;
    try {
      // A variable specifier: the package is optional, so neither TypeScript nor a bundler may
      // resolve it ahead of time.
      const specifier: string = pkg;
      await import(specifier);
      if (await tf.setBackend("tensorflow")) {
        await tf.ready();
        // tfjs-node-gpu falls back to TensorFlow's CPU kernels when CUDA is missing; it registers
        // the same "tensorflow" engine, so the package that loaded is what we can report.
        return { backend: tfjsBackend, engine, skipped };
      }
      skipped.push(`${pkg}: its "tensorflow" engine did not initialize`);
    } catch (err) {
      skipped.push(`${pkg}: ${errorLine(err)}`);
    }
  }
  if (!allowed.includes("cpu")) throw new Error(`no tfjs engine available (${skipped.join("; ")})`);
  if (!(await tf.setBackend("cpu"))) throw new Error("tfjs cpu engine did not initialize");
  await tf.ready();
  return { backend: tfjsBackend, engine: "cpu", skipped };
}
