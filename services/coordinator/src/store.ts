import { randomUUID } from "node:crypto";
import { AppError } from "@automl/common";
import type { Db, Study, Trial, FoldResult } from "@automl/db";
import type { StudyFile } from "./study-file";
import { activationLabel, type TrialParams } from "./sampler";
import { TERMINAL } from "./convert";

export type TrialWithFolds = Trial & { folds: FoldResult[] };

/** Every read and write of the coordinator, over Prisma. Status transitions are conditional updates, so a duplicate report changes nothing. */
export class Store {
  constructor(readonly db: Db) {}

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

  async createTrial(study: Study, number: number, params: TrialParams): Promise<Trial> {
    return (await this.createTrials(study, [{ number, params }]))[0]!;
  }

  /** Writes several QUEUED trials in one INSERT (a scheduler pass fills all free slots at once). */
  createTrials(study: Study, trials: readonly { number: number; params: TrialParams }[]): Promise<Trial[]> {
    if (trials.length === 0) return Promise.resolve([]);
    return this.db.trial.createManyAndReturn({
      data: trials.map(({ number, params }) => ({
        id: randomUUID(),
        studyId: study.id,
        number,
        params: params as object,
        depth: params.depth,
        widths: params.widths,
        activation: activationLabel(params.activations),
        output: params.output || null,
        learningRate: params.learningRate,
        batchSize: params.batchSize,
        paramCount: 0, // known once a worker built the network
      })),
    });
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
   * unknown, its study is not running): the caller then takes the general path.
   */
  async startRunningAttempt(trialId: string, workerId: string): Promise<number | undefined> {
    const rows = await this.db.$queryRaw<{ attempt: number; studyId: string }[]>`
      UPDATE "Trial" t SET status = 'RUNNING', attempt = t.attempt + 1, "workerId" = ${workerId},
             "startedAt" = now() AT TIME ZONE 'UTC', "heartbeatAt" = now() AT TIME ZONE 'UTC'
        FROM "Study" s
       WHERE t.id = ${trialId} AND s.id = t."studyId" AND s.status = 'RUNNING' AND t.status IN ('QUEUED', 'RUNNING')
      RETURNING t.attempt, t."studyId"`;
    const attempt = rows[0]?.attempt;
    if (rows[0]) this.rememberStudyOf(trialId, rows[0].studyId);
    // A new attempt trains from scratch: drop the curve an earlier one left behind.
    if (attempt !== undefined && attempt > 1) await this.db.epochMetric.deleteMany({ where: { trialId } });
    return attempt;
  }

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
  async startAttempt(trialId: string, workerId: string): Promise<number | undefined> {
    return this.db.$transaction(async (tx) => {
      const now = new Date();
      const r = await tx.trial.updateMany({
        where: { id: trialId, status: { in: ["QUEUED", "RUNNING"] } },
        data: { status: "RUNNING", attempt: { increment: 1 }, workerId, startedAt: now, heartbeatAt: now },
      });
      if (r.count === 0) return undefined;
      const { attempt } = await tx.trial.findUniqueOrThrow({ where: { id: trialId }, select: { attempt: true } });
      // A new attempt trains from scratch: drop the curve an earlier one left behind.
      if (attempt > 1) await tx.epochMetric.deleteMany({ where: { trialId } });
      return attempt;
    });
  }

  async recordEpoch(
    trialId: string,
    m: { fold: number; epoch: number; trainLoss: number; validLoss: number; validMetric: number; diagnostics?: object },
  ): Promise<void> {
    const data = { trainLoss: m.trainLoss, validLoss: m.validLoss, validMetric: m.validMetric, diagnostics: m.diagnostics };
    await this.db.$transaction([
      this.db.epochMetric.upsert({
        where: { trialId_fold_epoch: { trialId, fold: m.fold, epoch: m.epoch } },
        create: { trialId, fold: m.fold, epoch: m.epoch, ...data },
        update: data,
      }),
      this.db.trial.update({ where: { id: trialId }, data: { heartbeatAt: new Date() } }),
    ]);
  }

  /**
   * Records a trial's one outcome. Returns false (and writes nothing) when an earlier
   * delivery already recorded it: the conditional update and the fold rows commit together.
   */
  async recordOutcome(
    trialId: string,
    outcome: {
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
    },
  ): Promise<boolean> {
    // One statement (the hot path of every trial: one round trip, no interactive transaction):
    // the conditional update and the fold rows commit together, and the fold rows are only
    // inserted when the update happened. A report from an attempt older than the one running is
    // stale: a newer attempt owns the trial.
    const folds = JSON.stringify((outcome.folds ?? []).map((f) => ({ fold: f.fold, score: f.score, loss: f.loss, epochs: f.epochs, metrics: f.metrics ?? null })));
    const rows = await this.db.$queryRaw<{ updated: number }[]>`
      WITH upd AS (
        UPDATE "Trial" SET
          status = ${outcome.status}::"TrialStatus",
          attempt = ${outcome.attempt}::int,
          "cvMean" = ${outcome.cvMean ?? null}::float8,
          "cvStd" = ${outcome.cvStd ?? null}::float8,
          "paramCount" = COALESCE(${outcome.paramCount ?? null}::int, "paramCount"),
          "divergedFold" = ${outcome.divergedFold ?? null}::int,
          "divergedEpoch" = ${outcome.divergedEpoch ?? null}::int,
          backend = ${outcome.backend ?? null}::text,
          surface = COALESCE(${outcome.surface ? JSON.stringify(outcome.surface) : null}::jsonb, surface),
          error = ${outcome.error ?? null}::text,
          "values" = COALESCE((SELECT array_agg(v::float8) FROM jsonb_array_elements_text(${outcome.values ? JSON.stringify(outcome.values) : null}::jsonb) AS v), "values"),
          "finishedAt" = now() AT TIME ZONE 'UTC'
        WHERE id = ${trialId} AND status::text <> ALL(${[...TERMINAL]}::text[]) AND attempt <= ${outcome.attempt}::int
        RETURNING id
      ), ins AS (
        INSERT INTO "FoldResult" ("trialId", fold, score, loss, epochs, metrics)
        SELECT upd.id, f.fold, f.score, f.loss, f.epochs, f.metrics
          FROM upd, jsonb_to_recordset(${folds}::jsonb) AS f(fold int, score float8, loss float8, epochs int, metrics jsonb)
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM upd)::int AS updated`;
    return (rows[0]?.updated ?? 0) > 0;
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

  /** Fold 0's validation metric by epoch of each trial: the intermediate values pruners and TPE see. */
  async firstFoldCurves(trialIds: string[]): Promise<Map<string, Map<number, number>>> {
    const rows = await this.db.epochMetric.findMany({ where: { trialId: { in: trialIds }, fold: 0 }, select: { trialId: true, epoch: true, validMetric: true } });
    const curves = new Map<string, Map<number, number>>();
    for (const r of rows) {
      let c = curves.get(r.trialId);
      if (!c) curves.set(r.trialId, (c = new Map()));
      c.set(r.epoch, r.validMetric);
    }
    return curves;
  }

  /** Every trial's fold-0 validation metric at `epoch` (what a pruner compares at that step). */
  async valuesAtEpoch(studyId: string, epoch: number): Promise<{ number: number; status: Trial["status"]; value: number }[]> {
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

  async finishStudy(id: string): Promise<void> {
    await this.db.study.updateMany({ where: { id, status: "RUNNING" }, data: { status: "COMPLETED", finishedAt: new Date() } });
  }

  async heartbeat(w: { workerId: string; pool: string; hostname: string; pid: number; trialId: string }): Promise<void> {
    const now = new Date();
    await this.db.worker.upsert({
      where: { id: w.workerId },
      create: { id: w.workerId, pool: w.pool, hostname: w.hostname, pid: w.pid, currentTrialId: w.trialId || null },
      update: { lastSeenAt: now, currentTrialId: w.trialId || null },
    });
    if (w.trialId) await this.db.trial.updateMany({ where: { id: w.trialId, status: "RUNNING" }, data: { heartbeatAt: now } });
  }

  /** RUNNING trials with no heartbeat or report since `before`. */
  silentTrials(studyId: string, before: Date): Promise<Trial[]> {
    return this.db.trial.findMany({ where: { studyId, status: "RUNNING", heartbeatAt: { lt: before } } });
  }

  /** Marks a silent trial as handed out again, so the next sweep waits a full period for it. */
  async touch(trialId: string): Promise<void> {
    await this.db.trial.updateMany({ where: { id: trialId, status: "RUNNING" }, data: { heartbeatAt: new Date() } });
  }
}
