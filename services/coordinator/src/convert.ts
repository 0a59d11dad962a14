import {
  StudyStatus as PbStudyStatus,
  TrialStatus as PbTrialStatus,
  type Study as PbStudy,
  type Trial as PbTrial,
} from "@automl/proto";
import type { FoldResult, Study, Trial } from "@automl/db";

// Prisma's status names and the proto's enum values, kept in one place.
export const TRIAL_STATUS_TO_PB: Record<Trial["status"], PbTrialStatus> = {
  QUEUED: PbTrialStatus.TRIAL_STATUS_QUEUED,
  RUNNING: PbTrialStatus.TRIAL_STATUS_RUNNING,
  COMPLETED: PbTrialStatus.TRIAL_STATUS_COMPLETED,
  PRUNED: PbTrialStatus.TRIAL_STATUS_PRUNED,
  FAILED: PbTrialStatus.TRIAL_STATUS_FAILED,
  DIVERGED: PbTrialStatus.TRIAL_STATUS_DIVERGED,
  CANCELLED: PbTrialStatus.TRIAL_STATUS_CANCELLED,
};

export function trialStatusFromPb(s: PbTrialStatus): Trial["status"] | undefined {
  return (Object.entries(TRIAL_STATUS_TO_PB) as [Trial["status"], PbTrialStatus][]).find(([, v]) => v === s)?.[0];
}

const STUDY_STATUS_TO_PB: Record<Study["status"], PbStudyStatus> = {
  RUNNING: PbStudyStatus.STUDY_STATUS_RUNNING,
  COMPLETED: PbStudyStatus.STUDY_STATUS_COMPLETED,
  CANCELLED: PbStudyStatus.STUDY_STATUS_CANCELLED,
  FAILED: PbStudyStatus.STUDY_STATUS_FAILED,
};

export const TERMINAL: readonly Trial["status"][] = ["COMPLETED", "PRUNED", "FAILED", "DIVERGED", "CANCELLED"];

export function trialToPb(t: Trial & { folds?: FoldResult[] }): PbTrial {
  return {
    id: t.id,
    studyId: t.studyId,
    number: t.number,
    status: TRIAL_STATUS_TO_PB[t.status],
    paramsJson: JSON.stringify(t.params),
    depth: t.depth,
    widths: t.widths,
    activation: t.activation,
    learningRate: t.learningRate,
    batchSize: t.batchSize,
    paramCount: t.paramCount,
    cvMean: t.cvMean ?? undefined,
    cvStd: t.cvStd ?? undefined,
    folds: (t.folds ?? [])
      .sort((a, b) => a.fold - b.fold)
      .map((f) => ({ fold: f.fold, score: f.score, loss: f.loss, epochs: f.epochs, metrics: (f.metrics ?? {}) as Record<string, number> })),
    attempt: t.attempt,
    workerId: t.workerId ?? "",
    error: t.error ?? "",
    divergedEpoch: t.divergedEpoch ?? undefined,
    backend: t.backend ?? "",
    rung: t.rung ?? undefined,
    values: t.values,
    startedAt: t.startedAt?.toISOString() ?? "",
    finishedAt: t.finishedAt?.toISOString() ?? "",
  };
}

export function studyToPb(s: Study, counts: { status: Trial["status"]; count: number }[], best: (Trial & { folds?: FoldResult[] }) | null): PbStudy {
  return {
    id: s.id,
    name: s.name,
    status: STUDY_STATUS_TO_PB[s.status],
    task: s.task,
    metric: s.metric,
    direction: s.direction,
    budgetTrials: s.budgetTrials,
    parallel: s.parallel,
    counts: counts.map((c) => ({ status: TRIAL_STATUS_TO_PB[c.status], count: c.count })),
    best: best ? trialToPb(best) : undefined,
    specJson: JSON.stringify(s.spec),
    createdAt: s.createdAt.toISOString(),
    finishedAt: s.finishedAt?.toISOString() ?? "",
  };
}
