import type { Logger } from "@automl/common";
import type { Study, Trial } from "@automl/db";
import type { TrialQueue } from "@automl/messaging";
import { TrialSpec } from "@automl/proto";
import type { FinishedTrial } from "@automl/search";
import { resolveEnqueued, type StoredParams } from "./enqueued";
import { refreshImportance } from "./importance";
import { reportPlan } from "./report-plan";
import { SamplerHistory } from "./history";
import type { SchedulerLease } from "./scheduler-lease";
import { suggestParams, trialSeed } from "./sampler";
import type { Store } from "./store";
import { networkShape, storedStudyFile, type StudyFile } from "./study-file";

export interface SchedulerOptions {
  /** How often studies are re-examined even without events. */
  intervalMs: number;
  /**
   * Passes asked for by events (outcomes) start at least this far apart (default 20 ms). When
   * trials take milliseconds, every outcome wakes the scheduler; one pass then serves all the
   * outcomes of its gap instead of reading the study's counts once per trial.
   */
  minGapMs?: number;
  ackWaitMs: number;
  maxDeliver: number;
  /** Store the study's parameter importance when it completes (default true; see importance.ts). */
  importanceOnCompletion?: boolean;
}

/** Builds the message a worker receives from a trial row and its study. */
export function toTrialSpec(study: Study, trial: Pick<Trial, "id" | "number" | "params">): TrialSpec {
  const file = storedStudyFile(study.spec);
  const p = trial.params as unknown as StoredParams;
  const d = file.dataset;
  const dataset =
    "builtin" in d
      ? { builtin: d.builtin, n: d.n ?? 0, noise: d.noise, classes: d.classes ?? 0, split: d.split }
      : { path: d.path ?? "", contentHash: d.contentHash ?? "", name: d.name ?? "", format: d.format, target: d.target, categorical: d.categorical, n: d.n ?? 0 };
  const uniform = new Set(p.activations).size <= 1;
  return TrialSpec.fromPartial({
    trialId: trial.id,
    studyId: study.id,
    number: trial.number,
    task: study.task,
    dataset,
    widths: p.widths,
    activation: p.activations[0] ?? "relu",
    activations: uniform ? [] : p.activations,
    output: p.output,
    leakyAlpha: p.leakyAlpha,
    maxoutPieces: p.maxoutPieces,
    trainingJson: JSON.stringify({ ...file.training, momentum: p.momentum, weightDecay: p.weightDecay }),
    learningRate: p.learningRate,
    batchSize: p.batchSize,
    epochs: p.epochs,
    folds: file.cv.folds,
    stratified: file.cv.stratified,
    cvInterleave: file.cv.interleave,
    metric: study.metric,
    seed: study.seed,
    trialSeed: p.trialSeed ?? trialSeed(study.seed, trial.number),
    paramsJson: JSON.stringify(p),
    ...reportPlan(file, p.epochs),
  });
}

/**
 * Keeps `budget.parallel` trials of every running study in flight, finishes studies whose
 * budget is spent, and on start re-dispatches what a previous coordinator left queued.
 * All decisions are read from Postgres, so it can die and resume at any point.
 * Only the holder of the scheduler lease runs passes (a standby's passes return at once), and
 * every write of a pass is fenced by the lease's token (lease.ts), so two coordinators on one
 * database never both dispatch.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private delayed: NodeJS.Timeout | undefined;
  private lastPassAt = 0;
  private resumed = false;
  /** When each study's silent trials were last swept for. */
  private readonly swept = new Map<string, number>();
  private history: SamplerHistory;
  /** The lease token this scheduler last led under. */
  private leading: bigint | undefined;

  constructor(
    private readonly store: Store,
    private readonly queue: TrialQueue,
    private readonly log: Logger,
    private readonly opts: SchedulerOptions,
    private readonly lease: Pick<SchedulerLease, "fence" | "confirm">,
  ) {
    this.history = new SamplerHistory(store);
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.opts.intervalMs);
    this.wake();
  }

  /** Asks for a pass soon; passes never overlap. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.delayed) return;
    const wait = this.lastPassAt + (this.opts.minGapMs ?? 20) - Date.now();
    if (wait > 0) {
      this.delayed = setTimeout(() => {
        this.delayed = undefined;
        this.wake();
      }, wait);
      return;
    }
    this.lastPassAt = Date.now();
    this.running = this.pass()
      .catch((err) => this.log.error({ err: (err as Error).message }, "scheduler pass failed"))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Importance computations still running (awaited by stop, so none outlives the database). */
  private readonly analyses = new Set<Promise<void>>();

  /** Off the pass: the study is already COMPLETED; a failure here is logged, never retried. */
  private storeImportance(studyId: string): void {
    const p: Promise<void> = refreshImportance(this.store.db, studyId)
      .then(
        ({ importances, trials }) => this.log.info({ studyId, trials, parameters: importances.length }, "parameter importance stored"),
        (err: unknown) => this.log.warn({ studyId, err: (err as Error).message }, "parameter importance not computed"),
      )
      .finally(() => this.analyses.delete(p));
    this.analyses.add(p);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.delayed);
    this.delayed = undefined;
    await this.running;
    await Promise.all(this.analyses);
  }

  private async pass(): Promise<void> {
    const lease = this.lease.fence();
    if (lease === undefined) {
      this.leading = undefined;
      return;
    }
    if (lease !== this.leading) {
      // Newly leading: another coordinator scheduled meanwhile. Start over from Postgres as a
      // restarted coordinator would: re-dispatch what is queued, forget the cached history.
      this.leading = lease;
      this.resumed = false;
      this.swept.clear();
      this.history = new SamplerHistory(this.store);
    }
    const studies = await this.store.runningStudies();
    this.history.retain(studies.map((s) => s.id));
    if (!this.resumed) {
      for (const s of studies) await this.redispatchQueued(s, lease);
      this.resumed = true;
    }
    for (const s of studies) await this.advance(s, lease);
  }

  private async redispatchQueued(study: Study, lease: bigint): Promise<void> {
    const queued = await this.store.queuedTrials(study.id);
    if (queued.length === 0) return;
    // A publish is outside Postgres, so it cannot be fenced by a write: ask first. Copies that
    // the previous leader published carry the same message ids and JetStream drops them.
    if (!(await this.lease.confirm(lease))) return;
    for (const t of queued) await this.queue.publish(study.pool, toTrialSpec(study, t));
    this.log.info({ studyId: study.id, trials: queued.length }, "resumed study: queued trials re-dispatched");
  }

  private async advance(study: Study, lease: bigint): Promise<void> {
    // The sweep for silent trials looks back several ack-waits: once per interval is plenty, not
    // on every pass (passes run after every outcome when trials are short).
    if (Date.now() - (this.swept.get(study.id) ?? 0) >= this.opts.intervalMs) {
      this.swept.set(study.id, Date.now());
      await this.failLostTrials(study, lease);
    }
    const counts = await this.store.statusCounts(study.id);
    const total = counts.reduce((a, c) => a + c.count, 0);
    const inFlight = counts.filter((c) => c.status === "QUEUED" || c.status === "RUNNING").reduce((a, c) => a + c.count, 0);
    if (total >= study.budgetTrials && inFlight === 0) {
      if (!(await this.store.finishStudy(study.id, lease))) return;
      this.history.forget(study.id);
      this.log.info({ studyId: study.id, trials: total }, "study completed");
      if (this.opts.importanceOnCompletion ?? true) this.storeImportance(study.id);
      return;
    }
    const room = Math.min(study.parallel - inFlight, study.budgetTrials - total);
    if (room <= 0) return;
    const file = storedStudyFile(study.spec);
    // The sampler's state: the study's trials in Postgres (a restarted coordinator reads the same).
    // The random sampler's draw is a function of (seed, number) alone: it reads no history, and
    // skipping the read keeps a pass O(new trials) in large studies (bench/load).
    const needsHistory = file.sampler !== "random" && total + room > (file.trials?.length ?? 0);
    const trials = needsHistory ? await this.history.trials(study.id, counts) : [];
    const proposals: { number: number; params: StoredParams }[] = [];
    for (let i = 0; i < room; i++) {
      const number = total + i;
      const params = this.propose(file, study, number, trials);
      // Later proposals of this pass see this one as running (what Postgres will say next pass).
      trials.push({ number, params, state: "RUNNING" });
      proposals.push({ number, params });
    }
    // The pass's rows in one INSERT, then their messages published together (JetStream pipelines
    // them): one round trip each instead of one per trial. Rows first, then messages: if we die in
    // between, the resume pass re-dispatches them; if a publish fails (NATS away), the next pass
    // re-dispatches every queued trial, and JetStream's duplicate window drops the copies of those
    // that did arrive.
    const created = await this.store.createTrials(study, proposals, lease);
    await Promise.all(created.map((trial) => this.queue.publish(study.pool, toTrialSpec(study, trial)))).catch((err: unknown) => {
      this.resumed = false;
      throw err;
    });
  }

  /** Enqueued configurations first, in order; then the study's sampler. */
  private propose(file: StudyFile, study: Study, number: number, trials: readonly FinishedTrial[]): StoredParams {
    const enqueued = file.trials?.[number];
    if (enqueued) return resolveEnqueued(enqueued, file.space, study.seed, number, networkShape(file));
    return suggestParams(file, study.seed, number, trials);
  }

  /**
   * A running trial that went silent (its worker died or was cut off) normally comes back from the
   * queue after the ack wait. If it does not — its last allowed delivery was used, or a stale
   * worker's ack removed the message — the sweep ends it as FAILED after `maxDeliver` attempts, or
   * dispatches it again under a new message id.
   */
  private async failLostTrials(study: Study, lease: bigint): Promise<void> {
    const silentFor = this.opts.ackWaitMs * (this.opts.maxDeliver >= 2 ? 4 : 2);
    for (const t of await this.store.silentTrials(study.id, new Date(Date.now() - silentFor))) {
      if (t.attempt >= this.store.opts.maxAttempts) {
        if (await this.store.failLastAttempt(t)) this.log.warn({ trialId: t.id, attempt: t.attempt }, "trial lost on its last attempt; failed");
      } else if (await this.store.touch(t.id, lease)) {
        await this.queue.publish(study.pool, { ...toTrialSpec(study, t), dispatch: t.attempt + 1 });
        this.log.warn({ trialId: t.id, attempt: t.attempt }, "silent trial dispatched again");
      }
    }
  }
}
