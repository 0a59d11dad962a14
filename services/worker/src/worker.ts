import { availableParallelism, hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { AppError, grpcCall, grpcClientChannel, packSurface, withRetry, type GrpcClientSecurity, type Logger } from "@automl/common";
import type { CachedDatasetStore, CheckpointStore, Delivery, QueueConsumer, TrialQueue } from "@automl/messaging";
import { decodeTrialCheckpoint, openCheckpoint, sealCheckpoint, type CheckpointPolicy } from "./checkpoints";
import { join } from "node:path";
import {
  EpochAction,
  TrialReportingClient,
  TrialStatus,
  type CompleteTrialReply,
  type CompleteTrialRequest,
  type FailTrialReply,
  type HeartbeatReply,
  type RecordModelReply,
  type StartTrialReply,
  type TrialSpec,
} from "@automl/proto";
import { refitTrial, runTrial } from "./trial-runner";
import { modelId, serializeArtifact } from "@automl/model";
import { reportEpochs } from "./report-epochs";
import { availableBackendsFor, backendStartupNotice, tfjsEngineNotice } from "./backend-choice";
import type { BackendChoice } from "@automl/nn";
import { ThreadPool, TrialAbortedError, type ExecutorCheckpointing, type TrialExecutor } from "./trial-pool";
import { Cancellations } from "./cancellations";
import { WorkerMetrics } from "./metrics";
import { benchNoopExecutor } from "./bench-executor";
import { allowedDatasetPath, PATH_REFUSED, type DatasetPathPolicy } from "./dataset-paths";
import type { Registry } from "@automl/common";

export interface WorkerOptions {
  queue: TrialQueue;
  /** The coordinator's TrialReporting address, host:port. */
  coordinator: string;
  pool: string;
  log: Logger;
  /** Trials trained at once by this worker. */
  concurrency?: number;
  workerId?: string;
  /** Heartbeat and ack-deadline extension period; well under the queue's ack wait. */
  heartbeatMs?: number;
  /** Train in worker threads (default) or on the worker's own thread. */
  threads?: boolean;
  /** AUTOML_BACKEND: auto (default; native for big enough networks when it loads) | js | native | cuda | tfjs. */
  backend?: BackendChoice;
  /** Where uploaded datasets (by content hash) are fetched from and cached; distributed mode. */
  datasets?: CachedDatasetStore;
  /**
   * Dataset files this worker reads by path (dataset-paths.ts): "any" only for the embedded stack;
   * default none. The cache of uploaded datasets is read by hash, never through this list.
   */
  datasetPaths?: DatasetPathPolicy;
  /** TLS and bearer token for the coordinator (README "Security"). */
  security?: GrpcClientSecurity;
  /** How long a report may keep retrying an unreachable coordinator before the delivery is nak'ed (default 2 min). */
  reportPatienceMs?: number;
  /**
   * Checkpoints of running trials (checkpoints.ts): where they are kept and how often they are
   * taken; the next attempt of an interrupted trial resumes from the last one. Default none.
   */
  checkpoints?: { store: CheckpointStore; policy: CheckpointPolicy };
  /** Where refit jobs store their models: `put` returns the location recorded with the model. Default none (refits fail). */
  models?: { put(id: string, bytes: Uint8Array): Promise<string> };
  /**
   * Training threads started earlier (startTrainingThreads), so that they load their code while
   * something else starts (the embedded database); the worker owns and closes them.
   */
  threadPool?: ThreadPool;
}

export interface BenchOptions {
  /** bench/load only: answer trials without training (see bench-executor.ts). */
  benchNoopTraining?: boolean;
  /** Tests only (AUTOML_TEST_MIN_EPOCH_MS): every epoch lasts at least this long (runTrial). */
  minEpochMs?: number;
}

export interface RunningWorker {
  workerId: string;
  /** Prometheus metrics (served at /metrics by the CLI's health server). */
  metrics: Registry;
  /** True while the queue consumer runs (readiness). */
  consuming(): boolean;
  /**
   * Graceful stop (SIGTERM): take no new trials, let running ones finish for `graceMs`, then stop
   * them and nak their messages so another worker trains them from the start. Nothing is recorded
   * for an interrupted trial, so it is never counted twice.
   */
  stop(opts?: { graceMs?: number }): Promise<void>;
}

/** Metrics that could not be computed (NaN) are left out rather than stored as null. */
function finiteOnly(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}


/**
 * Pulls trials from the queue, trains each with k-fold CV, and reports over gRPC. A message is
 * acked only after the coordinator confirmed the trial's outcome; if reporting fails it is
 * nak'ed and redelivered, and the coordinator's idempotent recording keeps one outcome.
 */
export async function startWorker(opts: WorkerOptions & BenchOptions): Promise<RunningWorker> {
  const workerId = opts.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const metrics = new WorkerMetrics(opts.pool);
  const channel = grpcClientChannel(opts.security, { interceptors: [metrics.clientInterceptor] });
  const client = new TrialReportingClient(opts.coordinator, channel.credentials, channel.options);
  const log = opts.log.child({ workerId });
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const busy = new Set<string>();
  /** Per running trial with checkpoints: aborting asks it for one at its next epoch boundary (shutdown). */
  const shutdownCheckpoints = new Set<AbortController>();
  const cancellations = new Cancellations();
  let stopped = false;
  let interrupting = false;
  const concurrency = opts.concurrency ?? 1;
  const backend = opts.backend ?? "auto";
  // An explicit backend that cannot load stops the worker here; auto without native says once how to enable it.
  const backendNotice = backendStartupNotice(backend, await availableBackendsFor(backend));
  if (backendNotice) log.info({ backend }, backendNotice);
  if (backend === "tfjs") log.info({ backend }, await tfjsEngineNotice());
  if (opts.benchNoopTraining) log.warn({}, "AUTOML_BENCH_NOOP_TRAINING: trials are answered without training (load benchmark only)");
  const executor: TrialExecutor = opts.benchNoopTraining
    ? benchNoopExecutor
    : opts.threads === false
    ? {
        run: (spec, onEpochs, signal, ckpt) =>
          runTrial(
            spec,
            (items, wait) => (signal?.aborted ? Promise.reject(new TrialAbortedError()) : onEpochs(items, wait)),
            {
              backend,
              checkpoint: ckpt && {
                policy: ckpt.policy,
                ...(ckpt.resume ? { resume: decodeTrialCheckpoint(ckpt.resume) } : {}),
                now: () => ckpt.now.aborted,
                save: (payload) => ckpt.save(payload),
              },
              minEpochMs: opts.minEpochMs,
            },
          ),
        close: async () => {},
      }
    : // More slots than cores: trials share threads (packing, see ThreadPool) rather than the OS time-slicing idle threads.
      opts.threadPool ?? new ThreadPool(concurrency, { backend, minEpochMs: opts.minEpochMs }, Math.min(concurrency, availableParallelism()));

  const heartbeat = (trialId = "", lease = "") =>
    grpcCall<HeartbeatReply>((md, o, cb) =>
      client.heartbeat({ workerId, pool: opts.pool, hostname: hostname(), pid: process.pid, trialId, lease }, md, o, cb),
    ).catch((err) => log.debug({ err: (err as Error).message }, "heartbeat failed"));

  // While the coordinator is unreachable (restarting, or its database is), keep the delivery and
  // retry with capped backoff, extending the ack deadline: nak'ing would burn one of the trial's
  // few deliveries per retry. Bounded, and cut short by a shutdown that interrupts trials.
  const patiently = (d: Delivery) => ({ forMs: opts.reportPatienceMs ?? 120_000, maxDelayMs: heartbeatMs, onWait: () => d.working(), giveUp: () => interrupting });

  /**
   * Points the spec's dataset at a file this worker may read: an uploaded one fetched by hash, or
   * an allowed path. Returns the refusal message when the path is not allowed.
   */
  const resolveDataset = async (spec: TrialSpec, ctx: Record<string, unknown>): Promise<string | undefined> => {
    const ref = spec.dataset;
    if (ref?.contentHash) {
      // Fetched once per worker and kept on disk by hash (checked against it); the training
      // thread reads that file, whatever path the message may also carry.
      if (!opts.datasets) throw new AppError("FAILED_PRECONDITION", "this worker has no dataset store for uploaded datasets");
      await opts.datasets.get(ref.contentHash);
      ref.path = join(opts.datasets.cacheDir, ref.contentHash);
    } else if (ref?.path) {
      const allowed = await allowedDatasetPath(ref.path, opts.datasetPaths ?? []);
      if (allowed === undefined) {
        log.warn({ ...ctx, path: ref.path }, "dataset path refused");
        return PATH_REFUSED;
      }
      ref.path = allowed;
    }
    return undefined;
  };

  /**
   * A refit job: the configuration trained on every row (on this thread: the engine yields to
   * the event loop every 25 ms), the model stored, RecordModel. A failure is recorded as such.
   */
  const handleRefit = async (d: Delivery): Promise<void> => {
    const { spec } = d;
    const rctx = { refitId: spec.refitId, trialId: spec.trialId };
    const timer = setInterval(() => d.working(), heartbeatMs);
    let result: { modelId: string; size: number; location: string; sourceJson: string; error: string };
    try {
      const refusal = await resolveDataset(spec, rctx);
      if (refusal) throw new Error(refusal);
      if (!opts.models) throw new Error("this worker has no model store");
      const artifact = await refitTrial(spec, backend, JSON.parse(spec.refitSourceJson || "{}") as Record<string, never>);
      const bytes = serializeArtifact(artifact);
      const id = modelId(bytes);
      const location = await opts.models.put(id, bytes);
      result = { modelId: id, size: bytes.length, location, sourceJson: JSON.stringify(artifact.source), error: "" };
      log.info({ ...rctx, modelId: id, bytes: bytes.length }, "model refit and stored");
    } catch (err) {
      if (err instanceof AppError && err.code === "UNAVAILABLE") throw err; // redelivered
      result = { modelId: "", size: 0, location: "", sourceJson: "", error: err instanceof Error ? err.message : String(err) };
      log.warn({ ...rctx, err: result.error }, "refit failed");
    } finally {
      clearInterval(timer);
    }
    await withRetry(() => grpcCall<RecordModelReply>((md, o, cb) => client.recordModel({ refitId: spec.refitId, ...result }, md, o, cb)), patiently(d));
    await d.ack();
  };

  const handle = async (d: Delivery): Promise<void> => {
    if (d.spec.refitId) return handleRefit(d);
    const { spec } = d;
    // Fields of this trial's log lines. Not log.child(): pino serializes a child's bindings when
    // it is made, a cost every trial paid although a busy worker logs nothing per trial at info.
    const tctx = { trialId: spec.trialId, delivery: d.attempt };
    let start: StartTrialReply;
    try {
      start = await withRetry(() => grpcCall<StartTrialReply>((md, o, cb) => client.startTrial({ trialId: spec.trialId, attempt: d.attempt, workerId }, md, o, cb)), patiently(d));
    } catch (err) {
      if (err instanceof AppError && err.code === "NOT_FOUND") {
        log.error(tctx, "trial unknown to the coordinator; message terminated");
        d.term("unknown trial");
        return;
      }
      throw err; // the queue naks and redelivers
    }
    if (!start.proceed) {
      log.info({ ...tctx, status: TrialStatus[start.status] }, "trial already settled; acked without training");
      await opts.checkpoints?.store.delete(spec.trialId).catch(() => {});
      await d.ack();
      return;
    }
    // Every later report carries the attempt the coordinator assigned to this start, and its lease.
    const { attempt, lease } = start;
    const actx = { ...tctx, attempt };

    const refusal = await resolveDataset(spec, actx);
    const checkpoints = await checkpointing(spec, attempt, actx);
    busy.add(spec.trialId);
    metrics.trialStarted();
    const cancelled = cancellations.track(spec.trialId, spec.studyId);
    // A refused report (PERMISSION_DENIED) means this worker no longer holds the attempt: it stops
    // and records nothing; the holder of the newer attempt reports the trial.
    const leaseLost = (err: unknown): undefined => {
      if (!(err instanceof AppError && err.code === "PERMISSION_DENIED")) throw err;
      stopReason = "LEASE_LOST";
      return undefined;
    };
    const timer = setInterval(() => {
      d.working();
      void heartbeat(spec.trialId, lease);
    }, heartbeatMs);
    // LEASE_LOST: the coordinator refused a report because a newer attempt holds the trial.
    let stopReason: "PRUNED" | "CANCELLED" | "SHUTDOWN" | "LEASE_LOST" | undefined;
    let outcome: CompleteTrialRequest | undefined;
    let failure: string | undefined;
    try {
      if (refusal) throw new Error(refusal);
      const cv = await executor.run(spec, async (items) => {
        for (const it of items) metrics.epoch(it.samples);
        const action = await reportEpochs(client, items, spec.batchReports, (call) => withRetry(call, patiently(d)), { trialId: spec.trialId, attempt, lease }).catch(leaseLost);
        if (action === undefined) return "stop";
        // An answer to a report sent ahead arrives after training went on: the trial stops at its next epoch.
        if (action === EpochAction.EPOCH_ACTION_PRUNE) stopReason ??= "PRUNED";
        if (action === EpochAction.EPOCH_ACTION_CANCEL) stopReason ??= "CANCELLED";
        // Shutdown: a checkpoint first (asked for at the next epoch), unless none comes soon.
        if (interrupting && !(checkpoints && checkpoints.wantsOneBeforeStopping())) stopReason = "SHUTDOWN";
        return stopReason ? "stop" : "continue";
      }, cancelled, checkpoints?.executor);
      // Stopped by its shutdown checkpoint (or told to stop meanwhile): handed back, not recorded.
      if (cv.status === "stopped" && interrupting && !stopReason) stopReason = "SHUTDOWN";
      const folds = cv.folds.map((f) => ({ fold: f.fold, score: f.score, loss: f.loss, epochs: f.epochs, metrics: finiteOnly(f.metrics) }));
      const status =
        cv.status === "completed" ? TrialStatus.TRIAL_STATUS_COMPLETED
        : cv.status === "diverged" ? TrialStatus.TRIAL_STATUS_DIVERGED
        : stopReason === "PRUNED" ? TrialStatus.TRIAL_STATUS_PRUNED
        : TrialStatus.TRIAL_STATUS_CANCELLED;
      outcome = {
        trialId: spec.trialId,
        attempt,
        lease,
        status,
        folds,
        cvMean: cv.mean,
        cvStd: cv.std,
        paramCount: cv.paramCount,
        divergedFold: cv.divergedAt?.fold ?? 0,
        divergedEpoch: cv.divergedAt?.epoch ?? 0,
        backend: cv.backend,
        // Packed (surface-codec.ts): 44 KB and two strings instead of 87 KB of JSON numbers.
        surfaceJson: cv.surface ? JSON.stringify(packSurface(cv.surface)) : "",
      };
    } catch (err) {
      if (err instanceof TrialAbortedError && !interrupting) {
        // Its study was cancelled (control channel): stopped mid-epoch, reported CANCELLED.
        stopReason = "CANCELLED";
        outcome = { trialId: spec.trialId, attempt, lease, status: TrialStatus.TRIAL_STATUS_CANCELLED, folds: [], cvMean: NaN, cvStd: NaN, paramCount: 0, divergedFold: 0, divergedEpoch: 0, backend: "", surfaceJson: "" };
      } else {
        // The coordinator could not be reached mid-trial: let the queue redeliver it.
        if (err instanceof AppError && err.code === "UNAVAILABLE") throw err;
        failure = err instanceof Error ? err.message : String(err);
      }
    } finally {
      clearInterval(timer);
      busy.delete(spec.trialId);
      metrics.trialEnded();
      cancellations.untrack(spec.trialId);
    }

    await checkpoints?.settled();
    if (stopReason === "SHUTDOWN") {
      log.warn({ ...actx, checkpointed: checkpoints?.saved() ?? 0 }, "trial interrupted by shutdown; nak for redelivery");
      d.nak();
      return;
    }
    if (stopReason !== "LEASE_LOST" && outcome) {
      const reply = await withRetry(() => grpcCall<CompleteTrialReply>((md, o, cb) => client.completeTrial(outcome!, md, o, cb)), patiently(d)).catch(leaseLost);
      if (reply) log.info({ ...actx, status: TrialStatus[outcome.status], cvMean: outcome.cvMean, duplicate: reply.alreadyRecorded }, "trial reported");
      if (reply && !reply.alreadyRecorded) metrics.outcome(TrialStatus[outcome.status].replace("TRIAL_STATUS_", ""));
    } else if (stopReason !== "LEASE_LOST") {
      const reply = await withRetry(() => grpcCall<FailTrialReply>((md, o, cb) => client.failTrial({ trialId: spec.trialId, attempt, lease, reason: failure ?? "unknown" }, md, o, cb)), patiently(d)).catch(leaseLost);
      if (reply) log.warn({ ...actx, reason: failure }, "trial failed");
      if (reply && !reply.alreadyRecorded) metrics.outcome("FAILED");
    }
    if (stopReason === "LEASE_LOST") log.warn(actx, "report refused: a newer attempt holds the trial; acked without an outcome");
    // The outcome is recorded: its checkpoint is of no more use (a newer attempt keeps its own).
    else await checkpoints?.discard();
    await d.ack();
  };

  /**
   * A trial's checkpoints: the last one stored is opened for resuming (refused with a log line
   * when it is not intact or not this trial's), new ones are sealed and stored one after another.
   */
  const checkpointing = async (spec: TrialSpec, attempt: number, actx: Record<string, unknown>) => {
    const cfg = opts.checkpoints;
    if (!cfg || spec.cvInterleave) return undefined;
    const { store, policy } = cfg;
    let resume: Uint8Array | undefined;
    // Only a retried trial can have one: a first attempt costs no round trip to the store.
    const sealed = attempt > 1 ? await store.get(spec.trialId).catch((err: unknown) => void log.warn({ ...actx, err: (err as Error).message }, "checkpoint not read")) : undefined;
    if (sealed) {
      const opened = openCheckpoint(spec, sealed);
      if ("refused" in opened) log.warn({ ...actx, reason: opened.refused }, "checkpoint ignored");
      else {
        resume = opened.payload;
        const at = decodeTrialCheckpoint(resume);
        log.info({ ...actx, bytes: sealed.length, fold: at.current?.fold ?? at.done.length, epoch: at.current?.epoch ?? 0, epochsSaved: at.reported.length }, "resuming from checkpoint");
      }
    }
    const now = new AbortController();
    shutdownCheckpoints.add(now);
    let chain = Promise.resolve();
    let saved = 0;
    let savedAfterInterrupt = false;
    let askedAt = 0;
    const executor: ExecutorCheckpointing = {
      policy,
      ...(resume ? { resume } : {}),
      now: now.signal,
      save: (payload) => {
        const sealedNow = sealCheckpoint(spec, payload);
        chain = chain.then(() => store.put(spec.trialId, sealedNow)).then(
          () => {
            saved++;
            if (interrupting) savedAfterInterrupt = true;
          },
          (err: unknown) => log.warn({ ...actx, err: (err as Error).message }, "checkpoint not stored"),
        );
      },
    };
    return {
      executor,
      saved: () => saved,
      /** Asks for a checkpoint at shutdown; true while one is awaited (at most 5 s: a backend may not support them). */
      wantsOneBeforeStopping: () => {
        if (savedAfterInterrupt) return false;
        if (!askedAt) {
          askedAt = Date.now();
          now.abort();
        }
        return Date.now() - askedAt < 5_000;
      },
      settled: () => {
        shutdownCheckpoints.delete(now);
        return chain;
      },
      discard: async () => {
        await chain;
        if (saved === 0 && !sealed) return;
        await store.delete(spec.trialId).catch((err: unknown) => log.warn({ ...actx, err: (err as Error).message }, "checkpoint not deleted"));
      },
    };
  };

  // The first heartbeat doubles as a credentials check: a worker whose token the coordinator
  // refuses (unknown, or of another role than worker) would take trials it can never report, so
  // it refuses to start instead.
  const refused = await grpcCall<HeartbeatReply>((md, o, cb) => client.heartbeat({ workerId, pool: opts.pool, hostname: hostname(), pid: process.pid, trialId: "", lease: "" }, md, o, cb)).then(
    () => undefined,
    (err: unknown) => {
      if (err instanceof AppError && (err.code === "UNAUTHENTICATED" || err.code === "PERMISSION_DENIED")) return err;
      log.debug({ err: (err as Error).message }, "heartbeat failed");
      return undefined;
    },
  );
  if (refused) {
    await executor.close();
    client.close();
    throw new AppError(refused.code, `the coordinator at ${opts.coordinator} refused this worker: ${refused.message}`);
  }
  const idleBeat = setInterval(() => {
    if (busy.size === 0) void heartbeat();
  }, heartbeatMs);
  // Before consuming: a cancellation published once this worker takes trials is never missed.
  const control = await opts.queue.onCancel((studyId) => {
    const aborted = cancellations.cancelStudy(studyId);
    if (aborted.length) log.info({ studyId, trials: aborted }, "study cancelled; running trials stopped");
  });
  const consumer: QueueConsumer = await opts.queue.consume(opts.pool, handle, { concurrency });
  log.info({ pool: opts.pool, coordinator: opts.coordinator }, "worker started");
  return {
    workerId,
    metrics: metrics.registry,
    consuming: () => !stopped,
    async stop({ graceMs = Number.POSITIVE_INFINITY } = {}) {
      stopped = true;
      clearInterval(idleBeat);
      const drained = consumer.stop();
      if (Number.isFinite(graceMs)) {
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([drained.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
        clearTimeout(timer);
        if (late) {
          log.warn({ trials: [...busy] }, "shutdown grace over; interrupting running trials");
          interrupting = true;
          // A checkpoint at each running trial's next epoch boundary; the trial then stops there.
          for (const now of shutdownCheckpoints) now.abort();
        }
      }
      await drained;
      await control.close();
      await executor.close();
      client.close();
    },
  };
}
