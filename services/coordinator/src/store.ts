import { randomUUID } from "node:crypto";
import { AppError } from "@automl/common";
import type { Db, Study, Trial, FoldResult } from "@automl/db";
import type { StudyFile } from "./study-file";
import { activationLabel, type TrialParams } from "./sampler";
import { TERMINAL } from "./convert";
import { Coalescer } from "./coalescer";
import { holdsLease } from "./scheduler-lease";

/** What a trial's one recorded outcome holds (Store.recordOutcome). */
export interface Outcome {
  status: Trial["status"];
  attempt: number;
  folds?: { fold: number; score: number; loss: number; epochs: number; metrics?: Record<string, number> }[];
  surface?: object | null;
  cvMean?: number | null;
  cvStd?: number | null;
  paramCount?: number;
  divergedFold?: number | null;
  divergedEpoch?: number | null;
  backend?: string | null;
  error?: string | null;
  /** The objective vector (COMPLETED trials). */
  values?: number[];
}

export type TrialWithFolds = Trial & { folds: FoldResult[] };
/** What became of a reported outcome (Store.recordReportedOutcome). */
export type OutcomeVerdict = "recorded" | "duplicate" | "denied";
/** The hot-path writes that are batched (group commit). */
export type BatchedStatement = "start_trial" | "record_outcome";
/** What a new trial's message is built from (Store.createTrials). */
export type CreatedTrial = Pick<Trial, "id" | "number" | "params">;

/** Every read and write of the coordinator, over Prisma. Status transitions are conditional updates, so a duplicate report changes nothing. */
export class Store {
  /**
   * `maxAttempts`: how many times a trial may be started. The queue's max_deliver alone does not
   * bound it: a delivery can be spent without a start (handed to a pull request of a worker that
   * just died) and the lost-trial sweep then dispatches the trial under a new message id.
   */
  constructor(
    readonly db: Db,
    readonly opts: { maxAttempts: number; observeBatch?: (statement: BatchedStatement, size: number) => void } = { maxAttempts: 2 ** 31 - 1 },
  ) {}

  async createStudy(file: StudyFile): Promise<Study> {
    return this.db.study.create({
      data: {
        id: randomUUID(),
        name: file.name,
        spec: file as object,
        task: file.task,
        metric: file.objective.metric,
        direction: file.objective.direction,
        pool: file.pool,
        budgetTrials: file.budget.trials,
        parallel: file.budget.parallel,
        seed: file.seed,
      },
    });
  }

  async getStudy(id: string): Promise<Study> {
    const s = await this.db.study.findUnique({ where: { id } });
    if (!s) throw new AppError("NOT_FOUND", `study ${id} not found`);
    return s;
  }

  listStudies(limit: number): Promise<Study[]> {
    return this.db.study.findMany({ orderBy: { createdAt: "desc" }, take: limit > 0 ? limit : 100 });
  }

  runningStudies(): Promise<Study[]> {
    return this.db.study.findMany({ where: { status: "RUNNING" }, orderBy: { createdAt: "asc" } });
  }

  async statusCounts(studyId: string): Promise<{ status: Trial["status"]; count: number }[]> {
    const rows = await this.db.trial.groupBy({ by: ["status"], where: { studyId }, _count: { _all: true } });
    return rows.map((r) => ({ status: r.status, count: r._count._all }));
  }

  /** Completed trials, best first by the study's objective direction. */
  async ranked(study: Study, limit: number, offset: number): Promise<{ trials: TrialWithFolds[]; total: number }> {
    const where = { studyId: study.id, status: "COMPLETED" as const, cvMean: { not: null } };
    const [trials, total] = await Promise.all([
      this.db.trial.findMany({
        where,
        orderBy: [{ cvMean: study.direction === "maximize" ? "desc" : "asc" }, { number: "asc" }],
        include: { folds: true },
        take: limit > 0 ? limit : undefined,
        skip: offset,
      }),
      this.db.trial.count({ where }),
    ]);
    return { trials, total };
  }

  async allTrials(studyId: string, limit: number, offset: number): Promise<{ trials: TrialWithFolds[]; total: number }> {
    const [trials, total] = await Promise.all([
      this.db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" }, include: { folds: true }, take: limit > 0 ? limit : undefined, skip: offset }),
      this.db.trial.count({ where: { studyId } }),
    ]);
    return { trials, total };
  }

  async best(study: Study): Promise<TrialWithFolds | null> {
    return (await this.ranked(study, 1, 0)).trials[0] ?? null;
  }

  trialCount(studyId: string): Promise<number> {
    return this.db.trial.count({ where: { studyId } });
  }

  /**
   * Writes several QUEUED trials in one INSERT (a scheduler pass fills all free slots at once).
   * Raw SQL: Prisma's createManyAndReturn cost ~0.9 ms of CPU per row here (bench/load), more than
   * everything else a trial costs the coordinator.
   * Fenced: nothing is written unless `lease` is still the current scheduler lease (lease.ts).
   */
  async createTrials(study: Study, trials: readonly { number: number; params: TrialParams }[], lease: bigint): Promise<CreatedTrial[]> {
    if (trials.length === 0) return [];
    const rows = JSON.stringify(
      trials.map(({ number, params }) => ({
        id: randomUUID(),
        number,
        params,
        depth: params.depth,
        widths: params.widths,
        activation: activationLabel(params.activations),
        output: params.output || null,
        learning_rate: params.learningRate,
        batch_size: params.batchSize,
      })),
    );
    // paramCount is known once a worker built the network.
    return this.db.$queryRaw<CreatedTrial[]>`
      INSERT INTO "Trial" (id, "studyId", number, params, depth, widths, activation, output, "learningRate", "batchSize", "paramCount", "createdAt")
      SELECT r.id, ${study.id}, r.number, r.params, r.depth, ARRAY(SELECT jsonb_array_elements_text(r.widths)::int), r.activation, r.output,
             r.learning_rate, r.batch_size, 0, now() AT TIME ZONE 'UTC'
        FROM jsonb_to_recordset(${rows}::jsonb) AS r(id text, number int, params jsonb, depth int, widths jsonb, activation text,
                                                    output text, learning_rate float8, batch_size int)
       WHERE ${holdsLease(lease)}
         -- A study cancelled (or finished) since the pass read it gets no new trial.
         AND EXISTS (SELECT 1 FROM "Study" s WHERE s.id = ${study.id} AND s.status = 'RUNNING')
      RETURNING id, number, params`;
  }

  queuedTrials(studyId: string): Promise<Trial[]> {
    return this.db.trial.findMany({ where: { studyId, status: "QUEUED" }, orderBy: { number: "asc" } });
  }

  async getTrial(id: string): Promise<Trial> {
    const t = await this.db.trial.findUnique({ where: { id } });
    if (!t) throw new AppError("NOT_FOUND", `trial ${id} not found`);
    return t;
  }

  /**
   * StartTrial's common case in one statement: a QUEUED or RUNNING trial of a RUNNING study starts
   * its next attempt, which is returned. Undefined for anything else (the trial is settled or
   * unknown, its study is not running, its attempts are used up): the caller then takes the
   * general path.
   */
  async startRunningAttempt(trialId: string, workerId: string, leaseHash: string): Promise<number | undefined> {
    const started = await this.starts.call({ trialId, workerId, leaseHash });
    if (started) this.rememberStudyOf(trialId, started.studyId);
    const attempt = started?.attempt;
    // A new attempt trains from scratch: drop the curve an earlier one left behind.
    if (attempt !== undefined && attempt > 1) await this.db.epochMetric.deleteMany({ where: { trialId } });
    return attempt;
  }

  /** Concurrent StartTrials in one UPDATE (group commit; see Coalescer). */
  private readonly starts = new Coalescer<{ trialId: string; workerId: string; leaseHash: string }, { attempt: number; studyId: string } | undefined>(
    async (items) => {
      const rows = await this.db.$queryRaw<{ id: string; attempt: number; studyId: string }[]>`
        UPDATE "Trial" t SET status = 'RUNNING', attempt = t.attempt + 1, "workerId" = v.worker, "leaseHash" = v.lease,
               "startedAt" = now() AT TIME ZONE 'UTC', "heartbeatAt" = now() AT TIME ZONE 'UTC'
          FROM "Study" s, unnest(${items.map((i) => i.trialId)}::text[], ${items.map((i) => i.workerId)}::text[], ${items.map((i) => i.leaseHash)}::text[]) AS v(id, worker, lease)
         WHERE t.id = v.id AND s.id = t."studyId" AND s.status = 'RUNNING' AND t.status IN ('QUEUED', 'RUNNING')
           AND t.attempt < ${this.opts.maxAttempts}::int
        RETURNING t.id, t.attempt, t."studyId"`;
      const byId = new Map(rows.map((r) => [r.id, r]));
      return items.map((i) => byId.get(i.trialId));
    },
    { maxBatch: 256, maxInFlight: 2, key: (i) => i.trialId, onBatch: (n) => this.opts.observeBatch?.("start_trial", n) },
  );

  /**
   * The study of a report, from a small cache: only for fields that never change after creation
   * (spec, task, metric, direction, seed, pool) — never for its status.
   */
  async studyForReports(id: string): Promise<Study> {
    const hit = this.reportStudies.get(id);
    if (hit) return hit;
    const s = await this.getStudy(id);
    if (this.reportStudies.size >= 256) this.reportStudies.delete(this.reportStudies.keys().next().value!);
    this.reportStudies.set(id, s);
    return s;
  }

  private readonly reportStudies = new Map<string, Study>();

  /** Study of each trial started here and not yet reported (bounded: lost trials never report). */
  private readonly startedTrials = new Map<string, string>();

  private rememberStudyOf(trialId: string, studyId: string): void {
    if (this.startedTrials.size >= 100_000) this.startedTrials.delete(this.startedTrials.keys().next().value!);
    this.startedTrials.set(trialId, studyId);
  }

  /** The study a trial belongs to (never changes): from StartTrial's answer when it went through here, else one query. */
  async studyIdOfTrial(trialId: string): Promise<string> {
    const known = this.startedTrials.get(trialId);
    if (known) {
      this.startedTrials.delete(trialId);
      return known;
    }
    const t = await this.db.trial.findUnique({ where: { id: trialId }, select: { studyId: true } });
    if (!t) throw new AppError("NOT_FOUND", `trial ${trialId} not found`);
    return t.studyId;
  }

  /**
   * QUEUED/RUNNING → RUNNING under a new attempt number (the previous one + 1), which is returned;
   * undefined when the trial already has an outcome. Numbers are assigned here, not taken from the
   * queue's delivery count, so they only grow even when a trial is re-dispatched.
   */
  async startAttempt(trialId: string, workerId: string, leaseHash: string): Promise<number | undefined> {
    return this.db.$transaction(async (tx) => {
      const now = new Date();
      const r = await tx.trial.updateMany({
        where: { id: trialId, status: { in: ["QUEUED", "RUNNING"] }, attempt: { lt: this.opts.maxAttempts } },
        data: { status: "RUNNING", attempt: { increment: 1 }, workerId, leaseHash, startedAt: now, heartbeatAt: now },
      });
      if (r.count === 0) return undefined;
      const { attempt } = await tx.trial.findUniqueOrThrow({ where: { id: trialId }, select: { attempt: true } });
      // A new attempt trains from scratch: drop the curve an earlier one left behind.
      if (attempt > 1) await tx.epochMetric.deleteMany({ where: { trialId } });
      return attempt;
    });
  }

  /**
   * An epoch report in one statement: reads the trial and its study's status and, only when the
   * attempt may still report (trial neither settled nor superseded by a newer attempt, study
   * running), writes the curve points and the trial's heartbeat. A point already recorded (a
   * retried report) is overwritten with the same values, never doubled. Returns what the caller
   * needs to answer (undefined: no such trial); `recorded` says whether the points were written.
   */
  async recordEpochs(
    trialId: string,
    attempt: number,
    leaseHash: string,
    rows: readonly { fold: number; epoch: number; trainLoss: number; validLoss: number; validMetric: number; diagnostics?: object }[],
  ): Promise<{ studyId: string; number: number; rung: number | null; status: Trial["status"]; attempt: number; studyStatus: Study["status"]; recorded: boolean; holds: boolean } | undefined> {
    const diagnostics = rows.map((m) => (m.diagnostics === undefined ? null : JSON.stringify(m.diagnostics)));
    const [row] = await this.db.$queryRaw<{ studyId: string; number: number; rung: number | null; status: Trial["status"]; attempt: number; studyStatus: Study["status"]; recorded: boolean; holds: boolean }[]>`
      WITH t AS (
        SELECT t.id, t."studyId", t.number, t.rung, t.status, t.attempt, s.status AS "studyStatus",
               -- Only the holder of the current attempt records (lease.ts): a newer start replaced the hash.
               (t."leaseHash" IS NOT NULL AND t."leaseHash" = ${leaseHash} AND t.attempt = ${attempt}::int) AS holds,
               (t.status IN ('QUEUED', 'RUNNING') AND NOT (t.status = 'RUNNING' AND t.attempt > ${attempt}::int) AND s.status = 'RUNNING') AS open
          FROM "Trial" t JOIN "Study" s ON s.id = t."studyId" WHERE t.id = ${trialId}),
      points AS (
        INSERT INTO "EpochMetric" ("trialId", fold, epoch, "trainLoss", "validLoss", "validMetric", diagnostics)
        SELECT ${trialId}, v.fold, v.epoch, v.train, v.valid, v.metric, v.diag::jsonb
          FROM unnest(${rows.map((m) => m.fold)}::int[], ${rows.map((m) => m.epoch)}::int[], ${rows.map((m) => m.trainLoss)}::float8[],
                      ${rows.map((m) => m.validLoss)}::float8[], ${rows.map((m) => m.validMetric)}::float8[], ${diagnostics}::text[])
               AS v(fold, epoch, train, valid, metric, diag)
         WHERE (SELECT open AND holds FROM t)
        ON CONFLICT ("trialId", fold, epoch) DO UPDATE
          SET "trainLoss" = EXCLUDED."trainLoss", "validLoss" = EXCLUDED."validLoss", "validMetric" = EXCLUDED."validMetric", diagnostics = EXCLUDED.diagnostics
        RETURNING 1),
      beat AS (
        UPDATE "Trial" SET "heartbeatAt" = now() AT TIME ZONE 'UTC' WHERE id = ${trialId} AND EXISTS (SELECT 1 FROM points) RETURNING 1)
      SELECT t."studyId", t.number, t.rung, t.status::text AS status, t.attempt, t."studyStatus"::text AS "studyStatus",
             EXISTS (SELECT 1 FROM beat) AS recorded, t.holds
        FROM t`;
    return row;
  }

  /**
   * Records a trial's one outcome. Returns false (and writes nothing) when an earlier
   * delivery already recorded it: the conditional update and the fold rows commit together.
   */
  async recordOutcome(trialId: string, outcome: Outcome): Promise<boolean> {
    return (await this.outcomes.call({ trialId, outcome })) === "recorded";
  }

  /**
   * A worker's reported outcome: recorded only when `leaseHash` is the trial's current attempt's
   * (lease.ts); "denied" when it is not (nothing written), "duplicate" when already recorded.
   */
  recordReportedOutcome(trialId: string, outcome: Outcome, leaseHash: string): Promise<OutcomeVerdict> {
    return this.outcomes.call({ trialId, outcome, leaseHash });
  }

  /**
   * Concurrent outcomes in one statement (the hot path of every trial; group commit, see
   * Coalescer): per trial, the conditional update and its fold rows commit together, and fold rows
   * are only inserted for trials whose update happened. A report from an attempt older than the
   * one running is stale: a newer attempt owns the trial.
   */
  private readonly outcomes = new Coalescer<{ trialId: string; outcome: Outcome; leaseHash?: string }, OutcomeVerdict>(
    async (items) => {
      const json = JSON.stringify(
        items.map(({ trialId, outcome: o, leaseHash }) => ({
          id: trialId,
          // null: the coordinator's own outcome (sweep, cancellation), which holds no lease.
          lease_hash: leaseHash ?? null,
          status: o.status,
          attempt: o.attempt,
          cv_mean: o.cvMean ?? null,
          cv_std: o.cvStd ?? null,
          param_count: o.paramCount ?? null,
          diverged_fold: o.divergedFold ?? null,
          diverged_epoch: o.divergedEpoch ?? null,
          backend: o.backend ?? null,
          surface: o.surface ?? null,
          error: o.error ?? null,
          vals: o.values ?? null,
          folds: (o.folds ?? []).map((f) => ({ fold: f.fold, score: f.score, loss: f.loss, epochs: f.epochs, metrics: f.metrics ?? null })),
        })),
      );
      const rows = await this.db.$queryRaw<{ id: string; updated: boolean; held: boolean }[]>`
        WITH o AS (
          SELECT * FROM jsonb_to_recordset(${json}::jsonb) AS o(
            id text, lease_hash text, status text, attempt int, cv_mean float8, cv_std float8, param_count int, diverged_fold int,
            diverged_epoch int, backend text, surface jsonb, error text, vals jsonb, folds jsonb)
        ), upd AS (
          UPDATE "Trial" t SET
            status = o.status::"TrialStatus",
            attempt = o.attempt,
            "cvMean" = o.cv_mean,
            "cvStd" = o.cv_std,
            "paramCount" = COALESCE(o.param_count, t."paramCount"),
            "divergedFold" = o.diverged_fold,
            "divergedEpoch" = o.diverged_epoch,
            backend = o.backend,
            surface = COALESCE(o.surface, t.surface),
            error = o.error,
            "values" = COALESCE((SELECT array_agg(v::float8) FROM jsonb_array_elements_text(o.vals) AS v), t."values"),
            "finishedAt" = now() AT TIME ZONE 'UTC'
          FROM o
          WHERE t.id = o.id AND t.status::text <> ALL(${[...TERMINAL]}::text[]) AND t.attempt <= o.attempt
            AND (o.lease_hash IS NULL OR t."leaseHash" = o.lease_hash)
          RETURNING t.id
        ), ins AS (
          INSERT INTO "FoldResult" ("trialId", fold, score, loss, epochs, metrics)
          SELECT upd.id, f.fold, f.score, f.loss, f.epochs, f.metrics
            FROM upd JOIN o ON o.id = upd.id,
                 jsonb_to_recordset(o.folds) AS f(fold int, score float8, loss float8, epochs int, metrics jsonb)
          RETURNING 1
        )
        SELECT o.id, upd.id IS NOT NULL AS updated, COALESCE(o.lease_hash IS NULL OR t."leaseHash" = o.lease_hash, false) AS held
          FROM o JOIN "Trial" t ON t.id = o.id LEFT JOIN upd ON upd.id = o.id`;
      const byId = new Map(rows.map((r) => [r.id, r]));
      return items.map((i): OutcomeVerdict => {
        const r = byId.get(i.trialId);
        return r?.updated ? "recorded" : r && !r.held ? "denied" : "duplicate";
      });
    },
    { maxBatch: 256, maxInFlight: 2, key: (i) => i.trialId, onBatch: (n) => this.opts.observeBatch?.("record_outcome", n) },
  );

  /**
   * A trial whose last allowed attempt never reported (its worker died, or was cut off) ends
   * FAILED with the reason; false when it already had an outcome.
   */
  failLastAttempt(t: Pick<Trial, "id" | "attempt" | "workerId">): Promise<boolean> {
    return this.recordOutcome(t.id, {
      status: "FAILED",
      attempt: t.attempt,
      error: `no report from worker ${t.workerId ?? "?"} on attempt ${t.attempt} of ${this.opts.maxAttempts}`,
    });
  }

  /** Raises the trial's rung to `rung` (the highest rung it reached; never lowered). */
  async raiseRung(trialId: string, rung: number): Promise<void> {
    await this.db.trial.updateMany({ where: { id: trialId, OR: [{ rung: null }, { rung: { lt: rung } }] }, data: { rung } });
  }

  /** Numbers of the study's trials in `statuses`: the cheap part of the sampler's history. */
  async trialNumbers(studyId: string, statuses: readonly Trial["status"][]): Promise<number[]> {
    const rows = await this.db.trial.findMany({ where: { studyId, status: { in: [...statuses] } }, select: { number: true } });
    return rows.map((r) => r.number);
  }

  /** What the sampler reads of the given trials, by number or by status (only the columns it needs). */
  samplerRows(studyId: string, which: { numbers: number[] } | { statuses: Trial["status"][] }) {
    return this.db.trial.findMany({
      where: { studyId, ...("numbers" in which ? { number: { in: which.numbers } } : { status: { in: which.statuses } }) },
      select: { id: true, number: true, status: true, params: true, cvMean: true, values: true },
    });
  }

  /**
   * The intermediate values pruners and samplers see, by epoch of each trial: fold 0's validation
   * metric, or with interleaved folds (`meanOverFolds`) the mean over the folds at each epoch.
   */
  async signalCurves(trialIds: string[], meanOverFolds = false): Promise<Map<string, Map<number, number>>> {
    const rows = meanOverFolds
      ? (await this.db.epochMetric.groupBy({ by: ["trialId", "epoch"], where: { trialId: { in: trialIds } }, _avg: { validMetric: true } })).map((r) => ({ trialId: r.trialId, epoch: r.epoch, validMetric: r._avg.validMetric ?? NaN }))
      : await this.db.epochMetric.findMany({ where: { trialId: { in: trialIds }, fold: 0 }, select: { trialId: true, epoch: true, validMetric: true } });
    const curves = new Map<string, Map<number, number>>();
    for (const r of rows) {
      let c = curves.get(r.trialId);
      if (!c) curves.set(r.trialId, (c = new Map()));
      c.set(r.epoch, r.validMetric);
    }
    return curves;
  }

  /**
   * Every trial's value at `epoch` (what a pruner compares at that step): fold 0's validation
   * metric, or with `meanOverFolds` the mean over the folds that reached it.
   */
  async valuesAtEpoch(studyId: string, epoch: number, meanOverFolds = false): Promise<{ number: number; status: Trial["status"]; value: number }[]> {
    if (meanOverFolds) {
      const rows = await this.db.$queryRaw<{ number: number; status: Trial["status"]; value: number }[]>`
        SELECT t.number, t.status::text AS status, avg(e."validMetric")::float8 AS value
        FROM "EpochMetric" e JOIN "Trial" t ON t.id = e."trialId"
        WHERE t."studyId" = ${studyId} AND e.epoch = ${epoch}
        GROUP BY t.id, t.number, t.status`;
      return rows.map((r) => ({ number: Number(r.number), status: r.status, value: Number(r.value) }));
    }
    const rows = await this.db.epochMetric.findMany({
      where: { fold: 0, epoch, trial: { studyId } },
      select: { validMetric: true, trial: { select: { number: true, status: true } } },
    });
    return rows.map((r) => ({ number: r.trial.number, status: r.trial.status, value: r.validMetric }));
  }

  /** Cancels a running study and its queued trials; running ones stop at their next report. */
  async cancelStudy(id: string): Promise<Study> {
    const s = await this.getStudy(id);
    if (s.status !== "RUNNING") throw new AppError("FAILED_PRECONDITION", `study ${id} is ${s.status.toLowerCase()}, not running`);
    await this.db.$transaction([
      this.db.study.update({ where: { id }, data: { status: "CANCELLED", finishedAt: new Date() } }),
      this.db.trial.updateMany({ where: { studyId: id, status: "QUEUED" }, data: { status: "CANCELLED", finishedAt: new Date() } }),
    ]);
    return this.getStudy(id);
  }

  /** Fenced by the scheduler lease; false when not finished here (already ended, or the lease is gone). */
  async finishStudy(id: string, lease: bigint): Promise<boolean> {
    const n = await this.db.$executeRaw`UPDATE "Study" SET status = 'COMPLETED', "finishedAt" = now() AT TIME ZONE 'UTC'
      WHERE id = ${id} AND status = 'RUNNING' AND ${holdsLease(lease)}`;
    return n > 0;
  }

  /** `leaseHash`: of the lease the worker presented for `trialId`; the trial's liveness is extended only when it is the current attempt's. */
  async heartbeat(w: { workerId: string; pool: string; hostname: string; pid: number; trialId: string; leaseHash: string }): Promise<void> {
    const now = new Date();
    await this.db.worker.upsert({
      where: { id: w.workerId },
      create: { id: w.workerId, pool: w.pool, hostname: w.hostname, pid: w.pid, currentTrialId: w.trialId || null },
      update: { lastSeenAt: now, currentTrialId: w.trialId || null },
    });
    if (w.trialId) await this.db.trial.updateMany({ where: { id: w.trialId, status: "RUNNING", leaseHash: w.leaseHash }, data: { heartbeatAt: now } });
  }

  /** RUNNING trials with no heartbeat or report since `before`. */
  silentTrials(studyId: string, before: Date): Promise<Trial[]> {
    return this.db.trial.findMany({ where: { studyId, status: "RUNNING", heartbeatAt: { lt: before } } });
  }

  /**
   * Marks a silent trial as handed out again, so the next sweep waits a full period for it. Fenced
   * by the scheduler lease: false (dispatch nothing) when the trial settled or the lease is gone.
   */
  async touch(trialId: string, lease: bigint): Promise<boolean> {
    const n = await this.db.$executeRaw`UPDATE "Trial" SET "heartbeatAt" = now() AT TIME ZONE 'UTC'
      WHERE id = ${trialId} AND status = 'RUNNING' AND ${holdsLease(lease)}`;
    return n > 0;
  }
}
