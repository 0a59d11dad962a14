import type { Db } from "@automl/db/client";
import type { AblationRow } from "@automl/search";

/** Ablations and parameter importance as `automl ablate` / `automl importance` stored them. */

/** A stored row: the analysis' statistics plus where it sits, its trial, and why it was skipped. */
export interface AblationRowView extends AblationRow {
  position: number;
  trialNumber: number | null;
  skipReason: string | null;
}

export interface AblationView {
  id: string;
  /** The study that ran the base and its variants. */
  studyId: string;
  studyName: string;
  baseStudyId: string;
  baseStudyName: string | null;
  baseTrialNumber: number | null;
  baseMean: number | null;
  metric: string;
  direction: string;
  correction: string;
  level: number;
  testTrainRatio: number;
  createdAt: Date;
  rows: AblationRowView[];
}

/** Ablations of a study's trials, and the one this study is itself (if any); newest first. */
export async function getAblations(db: Db, studyId: string): Promise<AblationView[]> {
  const ablations = await db.ablation.findMany({
    where: { OR: [{ baseStudyId: studyId }, { studyId }] },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    include: { rows: { orderBy: { position: "asc" } }, study: { select: { name: true } } },
    take: 20,
  });
  if (ablations.length === 0) return [];
  const trialIds = ablations.flatMap((a) => [a.baseTrialId, ...(a.baseRunTrialId ? [a.baseRunTrialId] : []), ...a.rows.flatMap((r) => (r.trialId ? [r.trialId] : []))]);
  const [trials, studies] = await Promise.all([
    db.trial.findMany({ where: { id: { in: trialIds } }, select: { id: true, number: true, cvMean: true } }),
    db.study.findMany({ where: { id: { in: ablations.map((a) => a.baseStudyId) } }, select: { id: true, name: true } }),
  ]);
  const trial = new Map(trials.map((t) => [t.id, t]));
  return ablations.map((a) => ({
    id: a.id,
    studyId: a.studyId,
    studyName: a.study.name,
    baseStudyId: a.baseStudyId,
    baseStudyName: studies.find((s) => s.id === a.baseStudyId)?.name ?? null,
    baseTrialNumber: trial.get(a.baseTrialId)?.number ?? null,
    baseMean: (a.baseRunTrialId ? trial.get(a.baseRunTrialId)?.cvMean : null) ?? null,
    metric: a.metric,
    direction: a.direction,
    correction: a.correction,
    level: a.level,
    testTrainRatio: a.testTrainRatio,
    createdAt: a.createdAt,
    rows: a.rows.map((r) => ({
      position: r.position,
      factor: r.factor,
      variant: r.variant,
      trialNumber: r.trialId ? (trial.get(r.trialId)?.number ?? null) : null,
      skipReason: r.skipReason,
      n: r.n,
      meanScore: r.meanScore,
      meanDiff: r.meanDiff,
      ciLow: r.ciLow,
      ciHigh: r.ciHigh,
      t: r.t,
      p: r.p,
      pAdjusted: r.pAdjusted,
      significant: r.significant,
    })),
  }));
}

export interface ImportanceView {
  method: string;
  trials: number;
  computedAt: Date;
  params: { param: string; importance: number }[];
}

/** The latest stored parameter importance of a study; null when none was computed. */
export async function getImportance(db: Db, studyId: string): Promise<ImportanceView | null> {
  const rows = await db.paramImportance.findMany({ where: { studyId }, orderBy: [{ importance: "desc" }, { param: "asc" }] });
  if (rows.length === 0) return null;
  const first = rows[0]!;
  const same = rows.filter((r) => r.method === first.method);
  return { method: first.method, trials: first.trials, computedAt: first.computedAt, params: same.map((r) => ({ param: r.param, importance: r.importance })) };
}
