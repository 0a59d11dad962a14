// One measurement in a thread of its own: each backend × workload starts from a fresh V8 isolate.
// Measured one after another in one thread, the step call sites turn polymorphic and later
// backends ran up to 3× slower than the same code measured first (seen on B batch 4), so the
// order of measurement decided the result. Training threads in the worker are fresh the same way.

import { parentPort, workerData } from "node:worker_threads";
import { jsBackend, MlpModel, selectBackend, type Backend } from "@automl/nn";
import { measure, type Timing } from "./timing";
import type { BackendLabel } from "./types";
import { WORKLOADS, workloadData, workloadSpec, type Workload } from "./workloads";

export interface MeasureRequest {
  label: BackendLabel;
  workload: string;
  timing: Timing;
  learningRate: number;
  seed: number;
}

export type MeasureReply =
  | { ok: true; detail?: string; stepSeconds: number; reps: number; finalLoss: number }
  | { ok: false; unavailable: string };

async function native(): Promise<{ backend?: Backend; reason?: string }> {
  try {
    const { loadNative } = await import("@automl/nn-native");
    const n = loadNative();
    return n.backend ? { backend: n.backend } : { reason: n.reason };
  } catch (err) {
    return { reason: `@automl/nn-native did not load: ${(err as Error).message.split("\n")[0]}` };
  }
}

async function resolve(label: BackendLabel, w: Workload): Promise<{ backend?: Backend; detail?: string; reason?: string }> {
  switch (label) {
    case "js":
      return { backend: jsBackend };
    case "native":
      return native();
    case "auto": {
      const n = await native();
      const sel = selectBackend(
        "auto",
        { spec: workloadSpec(w), batchSize: w.batch },
        { backends: n.backend ? [n.backend] : [], nativeUnavailable: n.reason },
      );
      return { backend: sel.backend, detail: `picked ${sel.backend.name}` };
    }
    case "tfjs":
      try {
        const { loadTfjsBackend } = await import("@automl/nn-tfjs");
        const t = await loadTfjsBackend();
        return { backend: t.backend, detail: t.engine };
      } catch (err) {
        return { reason: `@automl/nn-tfjs did not load: ${(err as Error).message.split("\n")[0]}` };
      }
  }
}

async function run(req: MeasureRequest): Promise<MeasureReply> {
  const w = WORKLOADS.find((x) => x.name === req.workload)!;
  const r = await resolve(req.label, w);
  if (!r.backend) return { ok: false, unavailable: r.reason ?? "not loaded" };
  const model = new MlpModel(workloadSpec(w), req.seed);
  const session = r.backend.createSession(model, {});
  const { X, y } = workloadData(w, req.seed);
  let loss = NaN;
  try {
    const m = measure(() => {
      loss = session.step(X, y, w.batch, req.learningRate);
    }, req.timing);
    return { ok: true, ...(r.detail ? { detail: r.detail } : {}), stepSeconds: m.stepSeconds, reps: m.reps.length, finalLoss: loss };
  } finally {
    session.dispose(); // a live native session holds a share of the BLAS threads
  }
}

parentPort!.postMessage(await run(workerData as MeasureRequest));
