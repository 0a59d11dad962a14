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

  createTrial(study: Study, number: number, params: TrialParams): Promise<Trial> {
    return this.db.trial.create({
      data: {
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
      },
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
    return this.db.$transaction(async (tx) => {
      const r = await tx.trial.updateMany({
        // A report from an attempt older than the one running is stale: a newer attempt owns the trial.
        where: { id: trialId, status: { notIn: [...TERMINAL] }, attempt: { lte: outcome.attempt } },
        data: {
          status: outcome.status,
          attempt: outcome.attempt,
          cvMean: outcome.cvMean ?? null,
          cvStd: outcome.cvStd ?? null,
          paramCount: outcome.paramCount ?? undefined,
          divergedFold: outcome.divergedFold ?? null,
          divergedEpoch: outcome.divergedEpoch ?? null,
          backend: outcome.backend ?? null,
          surface: outcome.surface ?? undefined,
          error: outcome.error ?? null,
          values: outcome.values ?? undefined,
          finishedAt: new Date(),
        },
      });
      if (r.count === 0) return false;
      if (outcome.folds?.length) {
        await tx.foldResult.createMany({ data: outcome.folds.map((f) => ({ trialId, ...f })) });
      }
      return true;
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
