import {
  TrialStatus as PbTrialStatus,
  type CoordinatorServer,
  type TrialReportingServer,
} from "@automl/proto";
import { AppError, type Logger } from "@automl/common";
import { requireField, unary } from "./grpc-handlers";
import { studyToPb, trialStatusFromPb, trialToPb, TERMINAL } from "./convert";
import type { Scheduler } from "./scheduler";
import type { Store } from "./store";
import type { TrialQueue } from "@automl/messaging";
import { objectiveValues } from "./objectives";
import { parseJsonField, recordEpochReports } from "./epoch-reports";
import { parseStudyFile, storedStudyFile } from "./study-file";
import { holdsLease, leaseHash, leaseRefused, newLease } from "./lease";
import { getRefit, queueRefit, recordModel } from "./refits";


/** `control` carries cancellations to the workers (the queue's control channel); `localDatasetPaths` see CoordinatorOptions. */
export function coordinatorService(
  store: Store,
  scheduler: Scheduler,
  log: Logger,
  control?: Pick<TrialQueue, "publishCancel" | "publish">,
  { localDatasetPaths = false }: { localDatasetPaths?: boolean } = {},
): CoordinatorServer {
  const describe = async (id: string) => {
    const study = await store.getStudy(id);
    const [counts, best] = await Promise.all([store.statusCounts(id), store.best(study)]);
    return studyToPb(study, counts, best);
  };
  return {
    createStudy: unary(log, "CreateStudy", async (req) => {
      const file = parseStudyFile(req.studyFile);
      if (!localDatasetPaths && "path" in file.dataset && file.dataset.path !== undefined) {
        throw new AppError("INVALID_ARGUMENT", "dataset.path: this coordinator's workers do not read files named by a study; upload it and give dataset.contentHash (`automl study create` uploads a path for you)");
      }
      const study = await store.createStudy(file);
      log.info({ studyId: study.id, name: study.name, trials: study.budgetTrials }, "study created");
      scheduler.wake();
      return { study: await describe(study.id) };
    }),
    getStudy: unary(log, "GetStudy", async (req) => ({ study: await describe(requireField(req.studyId, "study_id")) })),
    listStudies: unary(log, "ListStudies", async (req) => {
      const studies = await store.listStudies(req.limit);
      return { studies: await Promise.all(studies.map((s) => describe(s.id))) };
    }),
    cancelStudy: unary(log, "CancelStudy", async (req) => {
      const study = await store.cancelStudy(requireField(req.studyId, "study_id"));
      log.info({ studyId: study.id }, "study cancelled");
      // Workers stop its running trials now rather than at their next epoch report. Best effort:
      // the database already says CANCELLED, and every report of the study is answered CANCEL.
      await control?.publishCancel(study.id).catch((err) => log.warn({ studyId: study.id, err: (err as Error).message }, "cancellation not broadcast to workers"));
      return { study: await describe(study.id) };
    }),
    listTrials: unary(log, "ListTrials", async (req) => {
      const study = await store.getStudy(requireField(req.studyId, "study_id"));
      const { trials, total } = req.ranked ? await store.ranked(study, req.limit, req.offset) : await store.allTrials(study.id, req.limit, req.offset);
      return { trials: trials.map(trialToPb), total };
    }),
    refitTrial: unary(log, "RefitTrial", async (req) => {
      if (!control) throw new AppError("FAILED_PRECONDITION", "this coordinator has no queue to send a refit to");
      const refit = await queueRefit(store.db, control, requireField(req.studyId, "study_id"), req.trial);
      log.info({ studyId: refit.studyId, trial: refit.trialNumber, refitId: refit.id }, "refit queued");
      return { refit };
    }),
    getRefit: unary(log, "GetRefit", async (req) => ({ refit: await getRefit(store.db, requireField(req.refitId, "refit_id")) })),
  };
}

const OUTCOMES = new Set<string>(["COMPLETED", "DIVERGED", "PRUNED", "CANCELLED"]);
export function reportingService(store: Store, scheduler: Scheduler, log: Logger): TrialReportingServer {
  return {
    startTrial: unary(log, "StartTrial", async (req) => {
      // The common case in one statement; a settled or unknown trial or a stopped study below.
      const lease = newLease();
      const started = await store.startRunningAttempt(requireField(req.trialId, "trial_id"), req.workerId, lease.hash);
      if (started !== undefined) {
        if (started > 1) log.warn({ trialId: req.trialId, attempt: started, delivery: req.attempt }, "trial started again");
        return { proceed: true, status: PbTrialStatus.TRIAL_STATUS_RUNNING, attempt: started, lease: lease.lease };
      }
      const trial = await store.getTrial(requireField(req.trialId, "trial_id"));
      const study = await store.getStudy(trial.studyId);
      if (study.status !== "RUNNING" && !TERMINAL.includes(trial.status)) {
        await store.recordOutcome(trial.id, { status: "CANCELLED", attempt: trial.attempt });
        scheduler.wake();
        return { proceed: false, status: PbTrialStatus.TRIAL_STATUS_CANCELLED, attempt: trial.attempt, lease: "" };
      }
      if (!TERMINAL.includes(trial.status) && trial.attempt >= store.opts.maxAttempts) {
        // Its attempts are used up: the last one was lost (its worker never reported).
        if (await store.failLastAttempt(trial)) log.warn({ trialId: trial.id, attempt: trial.attempt }, "trial lost on its last attempt; failed");
        scheduler.wake();
        return { proceed: false, status: PbTrialStatus.TRIAL_STATUS_FAILED, attempt: trial.attempt, lease: "" };
      }
      const attempt = await store.startAttempt(trial.id, req.workerId, lease.hash);
      if (attempt !== undefined) {
        if (attempt > 1) log.warn({ trialId: trial.id, attempt, delivery: req.attempt }, "trial started again");
        return { proceed: true, status: PbTrialStatus.TRIAL_STATUS_RUNNING, attempt, lease: lease.lease };
      }
      const now = await store.getTrial(trial.id);
      return { proceed: false, status: PbTrialStatus[`TRIAL_STATUS_${now.status}`], attempt: now.attempt, lease: "" };
    }),
    reportEpoch: unary(log, "ReportEpoch", async (req) => {
      if (!req.metrics) throw new AppError("INVALID_ARGUMENT", "metrics: required");
      return { action: await recordEpochReports(store, log, "ReportEpoch", { ...req, trialId: requireField(req.trialId, "trial_id") }, [req.metrics], "metrics") };
    }),
    reportEpochs: unary(log, "ReportEpochs", async (req) => ({
      action: await recordEpochReports(store, log, "ReportEpochs", { ...req, trialId: requireField(req.trialId, "trial_id") }, req.metrics, "metrics"),
    })),
    completeTrial: unary(log, "CompleteTrial", async (req) => {
      const trialId = requireField(req.trialId, "trial_id");
      const status = trialStatusFromPb(req.status);
      if (!status || !OUTCOMES.has(status)) throw new AppError("INVALID_ARGUMENT", `status: must be COMPLETED, DIVERGED, PRUNED or CANCELLED`);
      // Only the study's immutable spec is read here: cached copies save two queries per trial.
      const study = await store.studyForReports(await store.studyIdOfTrial(trialId));
      const expectedFolds = (study.spec as { cv: { folds: number } }).cv.folds;
      if (status === "COMPLETED") {
        if (req.folds.length !== expectedFolds) throw new AppError("INVALID_ARGUMENT", `folds: expected ${expectedFolds} fold scores, got ${req.folds.length}`);
        const bad = req.folds.findIndex((f) => !Number.isFinite(f.score) || !Number.isFinite(f.loss));
        if (bad >= 0) throw new AppError("INVALID_ARGUMENT", `folds[${bad}]: score and loss must be finite`);
        if (!Number.isFinite(req.cvMean)) throw new AppError("INVALID_ARGUMENT", "cv_mean: must be finite");
      }
      const finiteFolds = req.folds.filter((f) => Number.isFinite(f.score) && Number.isFinite(f.loss));
      const file = storedStudyFile(study.spec);
      const values = status === "COMPLETED" ? objectiveValues(file.objectives, study.metric, { cvMean: req.cvMean, paramCount: req.paramCount, folds: finiteFolds }) : undefined;
      const verdict = await store.recordReportedOutcome(trialId, {
        status,
        attempt: req.attempt,
        folds: status === "COMPLETED" ? finiteFolds : [],
        cvMean: status === "COMPLETED" ? req.cvMean : null,
        cvStd: status === "COMPLETED" && Number.isFinite(req.cvStd) ? req.cvStd : null,
        paramCount: req.paramCount,
        divergedFold: status === "DIVERGED" ? req.divergedFold : null,
        divergedEpoch: status === "DIVERGED" ? req.divergedEpoch : null,
        backend: req.backend || null,
        surface: parseJsonField(req.surfaceJson, "surface_json") ?? null,
        values,
      }, leaseHash(req.lease));
      if (verdict === "denied") throw leaseRefused(log, "CompleteTrial", trialId, req.attempt);
      if (verdict === "duplicate") log.info({ trialId, attempt: req.attempt }, "duplicate or stale outcome ignored");
      scheduler.wake();
      return { alreadyRecorded: verdict === "duplicate" };
    }),
    failTrial: unary(log, "FailTrial", async (req) => {
      const trialId = requireField(req.trialId, "trial_id");
      const verdict = await store.recordReportedOutcome(trialId, { status: "FAILED", attempt: req.attempt, error: req.reason.slice(0, 2000) || "failed" }, leaseHash(req.lease));
      if (verdict === "denied") throw leaseRefused(log, "FailTrial", trialId, req.attempt);
      if (verdict === "recorded") log.warn({ trialId, attempt: req.attempt, reason: req.reason }, "trial failed");
      scheduler.wake();
      return { alreadyRecorded: verdict === "duplicate" };
    }),
    recordModel: unary(log, "RecordModel", async (req) => {
      const reply = await recordModel(store.db, { ...req, refitId: requireField(req.refitId, "refit_id"), size: Number(req.size) });
      if (!reply.alreadyRecorded) log.info({ refitId: req.refitId, modelId: req.modelId, error: req.error || undefined }, req.error ? "refit failed" : "model recorded");
      return reply;
    }),
    heartbeat: unary(log, "Heartbeat", async (req) => {
      await store.heartbeat({ workerId: requireField(req.workerId, "worker_id"), pool: req.pool, hostname: req.hostname, pid: req.pid, trialId: req.trialId, leaseHash: leaseHash(req.lease) });
      return {};
    }),
  };
}
