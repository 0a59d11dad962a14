import { Worker } from "node:worker_threads";
import type { BackendChoice, CvOutcome } from "@automl/nn";
import { TrialSpec } from "@automl/proto";
import type { EpochItem, EpochSink } from "./epoch-batches";

export type ToThread = { type: "run"; spec: Uint8Array } | { type: "decision"; id: number; decision: "continue" | "stop" };
export type FromThread =
  | { type: "epochs"; id: number; items: EpochItem[]; wait: boolean }
  | { type: "done"; outcome: CvOutcome }
  | { type: "error"; message: string };

/** Reports a batch of a trial's epochs (epoch-batches.ts): the answer is about the last one. */
export type EpochCallback = EpochSink;

/** Runs a trial somewhere: in a training thread, or inline on the caller's thread. */
export type TrialExecutor = {
  /** Rejects with TrialAbortedError soon after `signal` aborts (a cancelled study). */
  run(spec: TrialSpec, onEpoch: EpochCallback, signal?: AbortSignal): Promise<CvOutcome>;
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

/**
 * A fixed set of training threads, one trial per thread at a time. A thread that dies (a crash
 * in native code, out of memory) fails its trial with the reason and is replaced.
 */
export class ThreadPool implements TrialExecutor {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly all = new Set<Worker>();
  private closed = false;

  /** `threadData.backend`: the AUTOML_BACKEND choice each training thread applies to its trials. */
  constructor(
    private readonly size: number,
    private readonly threadData: { backend?: BackendChoice } = {},
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const w = new Worker(THREAD_ENTRY, { workerData: this.threadData });
    w.unref();
    // A thread that dies while idle is replaced; one that dies mid-trial is handled in run().
    w.on("error", () => {});
    w.once("exit", () => {
      if (this.idle.includes(w)) {
        this.idle.splice(this.idle.indexOf(w), 1);
        this.replace(w);
      }
    });
    this.all.add(w);
    return w;
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async run(spec: TrialSpec, onEpoch: EpochCallback, signal?: AbortSignal): Promise<CvOutcome> {
    if (this.closed) throw new Error("thread pool is closed");
    const w = await this.acquire();
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
      // take long: the thread is terminated at once and a fresh one takes its place.
      const onAbort = () => {
        cleanup();
        void w.terminate();
        this.replace(w);
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
      w.postMessage({ type: "run", spec: TrialSpec.encode(spec).finish() } satisfies ToThread);
    });
  }

  private replace(dead: Worker): void {
    this.all.delete(dead);
    if (!this.closed) this.release(this.spawn());
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
  }
}
