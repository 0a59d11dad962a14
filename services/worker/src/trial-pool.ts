import { Worker } from "node:worker_threads";
import type { BackendChoice, CvOutcome } from "@automl/nn";
import type { TrialSpec } from "@automl/proto";
import type { EpochItem, EpochSink } from "./epoch-batches";
import type { CheckpointPolicy } from "./checkpoints";

/** `run` names one trial on a thread (a thread may train several at once: see ThreadPool). */
export type ToThread =
  // The spec as an object (structured clone): the threads need not load the protobuf code.
  | { type: "run"; run: number; spec: TrialSpec; checkpoint?: { policy: CheckpointPolicy; resume?: Uint8Array } }
  | { type: "abort"; run: number }
  | { type: "checkpoint-now"; run: number }
  | { type: "decision"; id: number; decision: "continue" | "stop" };
export type FromThread =
  | { type: "epochs"; run: number; id: number; items: EpochItem[]; wait: boolean }
  | { type: "checkpoint"; run: number; payload: Uint8Array }
  | { type: "done"; run: number; outcome: CvOutcome }
  | { type: "error"; run: number; message: string };

/** Reports a batch of a trial's epochs (epoch-batches.ts): the answer is about the last one. */
export type EpochCallback = EpochSink;

/** Checkpoints of one run (checkpoints.ts): payloads go to `save`; aborting `now` asks for one at the next epoch. */
export interface ExecutorCheckpointing {
  policy: CheckpointPolicy;
  /** An opened payload to resume from. */
  resume?: Uint8Array;
  now: AbortSignal;
  save(payload: Uint8Array): void;
}

/** Runs a trial somewhere: in a training thread, or inline on the caller's thread. */
export type TrialExecutor = {
  /** Rejects with TrialAbortedError soon after `signal` aborts (a cancelled study). */
  run(spec: TrialSpec, onEpoch: EpochCallback, signal?: AbortSignal, checkpoint?: ExecutorCheckpointing): Promise<CvOutcome>;
  close(): Promise<void>;
};

/** The trial was stopped from outside (its study was cancelled); nothing of it is to be recorded as a result. */
export class TrialAbortedError extends Error {
  constructor() {
    super("trial aborted");
    this.name = "TrialAbortedError";
  }
}

const THREAD_ENTRY = new URL("./trial-thread.mjs", import.meta.url);

/** What every training thread applies to its trials. */
export interface ThreadData {
  /** The AUTOML_BACKEND choice. */
  backend?: BackendChoice;
  /** Tests only (AUTOML_TEST_MIN_EPOCH_MS): the least time an epoch takes (runTrial). */
  minEpochMs?: number;
  /** Set by the pool: its training threads, which the native addon splits BLAS threads over. */
  trainers?: number;
}

/**
 * Training threads for `slots` trials at once. With more slots than threads, trials are packed:
 * a thread trains up to ceil(slots / threads) trials, interleaved where each awaits (a report's
 * answer, the engine's 25 ms yields), so one trial's round trips (StartTrial, reports,
 * CompleteTrial, the queue's ack) overlap another's arithmetic instead of idling a core — what
 * tiny trials, whose steps cost far less than a round trip, need. A new trial goes to the least
 * loaded thread. A thread that dies (a crash in native code, out of memory) fails its trials with
 * the reason and is replaced.
 */
export class ThreadPool implements TrialExecutor {
  private readonly load = new Map<Worker, number>();
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly capacity: number;
  private closed = false;
  private nextRun = 0;
  private readonly threadData: ThreadData;

  /** `threads`: training threads (default `slots`, one trial per thread). */
  constructor(
    slots: number,
    threadData: ThreadData = {},
    threads = slots,
  ) {
    const n = Math.max(1, Math.min(slots, threads));
    this.threadData = { ...threadData, trainers: n };
    this.capacity = Math.ceil(slots / n);
    for (let i = 0; i < n; i++) this.load.set(this.spawn(), 0);
  }

  private spawn(): Worker {
    const w = new Worker(THREAD_ENTRY, { workerData: this.threadData });
    w.unref();
    // A thread that dies while idle is replaced; one that dies mid-trial is handled in run().
    w.on("error", () => {});
    w.once("exit", () => {
      if (this.load.get(w) === 0) this.replace(w);
    });
    return w;
  }

  private acquire(): Promise<Worker> {
    let best: Worker | undefined;
    for (const [w, n] of this.load) if (n < this.capacity && (best === undefined || n < this.load.get(best)!)) best = w;
    if (best) {
      this.load.set(best, this.load.get(best)! + 1);
      return Promise.resolve(best);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    if (!this.load.has(w)) return; // replaced meanwhile
    const next = this.waiting.shift();
    if (next) next(w); // the slot passes on: the thread's load stays the same
    else this.load.set(w, this.load.get(w)! - 1);
  }

  async run(spec: TrialSpec, onEpoch: EpochCallback, signal?: AbortSignal, checkpoint?: ExecutorCheckpointing): Promise<CvOutcome> {
    if (this.closed) throw new Error("thread pool is closed");
    const w = await this.acquire();
    const run = ++this.nextRun;
    return new Promise<CvOutcome>((resolve, reject) => {
      let settled = false;
      const cleanup = () => {
        settled = true;
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
        signal?.removeEventListener("abort", onAbort);
      };
      const onMessage = (m: FromThread) => {
        if (m.run !== run) return;
        if (m.type === "checkpoint") return void checkpoint?.save(m.payload);
        if (m.type === "epochs") {
          onEpoch(m.items, m.wait).then(
            (decision) => {
              if (!settled) w.postMessage({ type: "decision", id: m.id, decision } satisfies ToThread);
            },
            (err: unknown) => {
              if (settled) return;
              // Reporting failed (coordinator unreachable): stop training, surface the error.
              w.postMessage({ type: "decision", id: m.id, decision: "stop" } satisfies ToThread);
              cleanup();
              this.release(w);
              reject(err);
            },
          );
          return;
        }
        cleanup();
        this.release(w);
        if (m.type === "done") resolve(m.outcome);
        else reject(new Error(m.message));
      };
      const onError = (err: Error) => {
        cleanup();
        this.replace(w);
        reject(new Error(`training thread crashed: ${err.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        this.replace(w);
        reject(new Error(`training thread exited with code ${code}`));
      };
      // Training is synchronous arithmetic inside the thread, so waiting for its next epoch could
      // take long: a thread with no other trial is terminated at once and a fresh one takes its
      // place; one shared with other trials is told to drop this one at its next epoch.
      const onAbort = () => {
        cleanup();
        if (this.load.get(w) === 1) {
          this.load.set(w, 0);
          void w.terminate();
          this.replace(w);
        } else {
          w.postMessage({ type: "abort", run } satisfies ToThread);
          this.release(w);
        }
        reject(new TrialAbortedError());
      };
      if (signal?.aborted) {
        settled = true;
        this.release(w);
        reject(new TrialAbortedError());
        return;
      }
      w.on("message", onMessage);
      w.once("error", onError);
      w.once("exit", onExit);
      signal?.addEventListener("abort", onAbort, { once: true });
      const onCheckpointNow = () => {
        if (!settled) w.postMessage({ type: "checkpoint-now", run } satisfies ToThread);
      };
      checkpoint?.now.addEventListener("abort", onCheckpointNow, { once: true });
      const ckpt = checkpoint && { policy: checkpoint.policy, ...(checkpoint.resume ? { resume: checkpoint.resume } : {}) };
      w.postMessage({ type: "run", run, spec, ...(ckpt ? { checkpoint: ckpt } : {}) } satisfies ToThread);
    });
  }

  /** Once per dead thread, however many of its trials notice; the fresh thread takes waiting trials first. */
  private replace(dead: Worker): void {
    if (!this.load.delete(dead)) return;
    if (this.closed) return;
    const w = this.spawn();
    let n = 0;
    for (; n < this.capacity && this.waiting.length; n++) this.waiting.shift()!(w);
    this.load.set(w, n);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.load.keys()];
    this.load.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }
}
