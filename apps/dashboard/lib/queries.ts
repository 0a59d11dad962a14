import type { Db } from "@automl/db/client";

/** Trial statuses in lifecycle order (mirrors the TrialStatus enum in prisma/schema.prisma). */
export const TRIAL_STATUSES = ["QUEUED", "RUNNING", "COMPLETED", "PRUNED", "FAILED", "DIVERGED", "CANCELLED"] as const;
export type TrialStatusName = (typeof TRIAL_STATUSES)[number];
export type StatusCounts = Record<TrialStatusName, number>;

/** A trial no longer occupies the budget's "to do" part once it reaches one of these. */
const FINISHED: readonly TrialStatusName[] = ["COMPLETED", "PRUNED", "FAILED", "DIVERGED", "CANCELLED"];

export interface StudySummary {
  id: string;
  name: string;
  status: string;
  task: string;
  metric: string;
  direction: string;
  budgetTrials: number;
  finished: number;
  running: number;
  /** Best cvMean among COMPLETED trials, in the study's direction; null before the first one. */
  best: number | null;
  createdAt: Date;
}

export interface LeaderboardRow {
  rank: number;
  id: string;
  number: number;
  cvMean: number;
  cvStd: number | null;
  depth: number;
  widths: number[];
  activation: string;
  learningRate: number;
  batchSize: number;
  paramCount: number;
}

export interface Leaderboard {
  study: { id: string; name: string; status: string; task: string; metric: string; direction: string; budgetTrials: number };
  counts: StatusCounts;
  rows: LeaderboardRow[];
}

const minimizes = (direction: string) => direction === "minimize";

function emptyCounts(): StatusCounts {
  return Object.fromEntries(TRIAL_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** Studies newest first, with progress and best score computed in SQL (two grouped queries). */
export async function listStudies(db: Db, limit = 200): Promise<StudySummary[]> {
  const studies = await db.study.findMany({
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: limit,
    select: { id: true, name: true, status: true, task: true, metric: true, direction: true, budgetTrials: true, createdAt: true },
  });
  if (studies.length === 0) return [];
  const ids = studies.map((s) => s.id);
  const [byStatus, scores] = await Promise.all([
    db.trial.groupBy({ by: ["studyId", "status"], where: { studyId: { in: ids } }, _count: { _all: true } }),
    db.trial.groupBy({
      by: ["studyId"],
      where: { studyId: { in: ids }, status: "COMPLETED", cvMean: { not: null } },
      _max: { cvMean: true },
      _min: { cvMean: true },
    }),
  ]);
  return studies.map((s) => {
    let finished = 0;
    let running = 0;
    for (const g of byStatus) {
      if (g.studyId !== s.id) continue;
      if (g.status === "RUNNING") running += g._count._all;
      if (FINISHED.includes(g.status)) finished += g._count._all;
    }
    const score = scores.find((g) => g.studyId === s.id);
    const best = (minimizes(s.direction) ? score?._min.cvMean : score?._max.cvMean) ?? null;
    return { ...s, finished, running, best };
  });
}

/** One study's COMPLETED trials ranked by cvMean in the study's direction; null for an unknown id. */
export async function getLeaderboard(db: Db, studyId: string): Promise<Leaderboard | null> {
  const study = await db.study.findUnique({
    where: { id: studyId },
    select: { id: true, name: true, status: true, task: true, metric: true, direction: true, budgetTrials: true },
  });
  if (!study) return null;
  const order = minimizes(study.direction) ? "asc" : "desc";
  const [groups, trials] = await Promise.all([
    db.trial.groupBy({ by: ["status"], where: { studyId }, _count: { _all: true } }),
    db.trial.findMany({
      where: { studyId, status: "COMPLETED", cvMean: { not: null } },
      // Ties keep the earlier trial first so the ranking is stable between reloads.
      orderBy: [{ cvMean: order }, { number: "asc" }],
      select: {
        id: true, number: true, cvMean: true, cvStd: true, depth: true, widths: true,
        activation: true, learningRate: true, batchSize: true, paramCount: true,
      },
    }),
  ]);
  const counts = emptyCounts();
  for (const g of groups) counts[g.status] = g._count._all;
  const rows = trials.map((t, i) => ({ ...t, rank: i + 1, cvMean: t.cvMean ?? Number.NaN }));
  return { study, counts, rows };
}
