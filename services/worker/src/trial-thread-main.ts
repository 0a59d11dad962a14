// A training thread (entered through trial-thread.mjs): runs the trials the pool in trial-pool.ts
// gives it (several at once when packed), so the worker's event loop (heartbeats, gRPC, queue)
// never waits on arithmetic and trials use every core.
import { parentPort, workerData } from "node:worker_threads";
import { loadNative } from "@automl/nn-native";
import { runTrial } from "./trial-runner";
import { decodeTrialCheckpoint, type TrialCheckpoint } from "./checkpoints";
import type { FromThread, ThreadData, ToThread } from "./trial-pool";

const port = parentPort!;
const decisions = new Map<number, (d: "continue" | "stop") => void>();
const runs = new Map<number, AbortController>();
let seq = 0;
/** Runs asked to checkpoint at their next epoch boundary (shutdown). */
const wanted = new Set<number>();
const { backend = "auto", minEpochMs = 0, trainers } = (workerData as ThreadData | null) ?? {};
// The pool's threads train at once: each network keeps its share of the BLAS threads even while
// the other threads are between trials (addon.cc, reserveTrainers).
if (trainers) loadNative().addon?.reserveTrainers(trainers);

port.on("message", (msg: ToThread) => {
  if (msg.type === "decision") {
    decisions.get(msg.id)?.(msg.decision);
    decisions.delete(msg.id);
    return;
  }
  if (msg.type === "abort") {
    runs.get(msg.run)?.abort();
    return;
  }
  if (msg.type === "checkpoint-now") {
    wanted.add(msg.run);
    return;
  }
  const { run } = msg;
  const { spec } = msg;
  const post = (m: FromThread) => port.postMessage(m);
  const aborted = new AbortController();
  runs.set(run, aborted);
  // One message per batch of epochs (epoch-batches.ts), each answered by the worker's thread.
  runTrial(
    spec,
    (items, wait) =>
      new Promise((resolve) => {
        const id = ++seq;
        decisions.set(id, resolve);
        post({ type: "epochs", run, id, items, wait });
      }),
    {
      backend,
      abort: aborted.signal,
      checkpoint: msg.checkpoint && {
        policy: msg.checkpoint.policy,
        ...resumeFrom(msg.checkpoint.resume),
        now: () => wanted.has(run),
        save: (payload) => {
          wanted.delete(run);
          post({ type: "checkpoint", run, payload });
        },
      },
      minEpochMs,
    },
  )
    .then(
      (outcome) => post({ type: "done", run, outcome }),
      (err: unknown) => post({ type: "error", run, message: err instanceof Error ? err.message : String(err) }),
    )
    .finally(() => {
      runs.delete(run);
      wanted.delete(run);
    });
});

/** The checkpoint to resume from; one that does not decode is dropped and the trial starts over. */
function resumeFrom(payload: Uint8Array | undefined): { resume?: TrialCheckpoint } {
  if (!payload) return {};
  try {
    return { resume: decodeTrialCheckpoint(payload) };
  } catch {
    return {};
  }
}
