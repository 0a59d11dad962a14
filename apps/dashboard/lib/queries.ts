import { unpackSurface, type UnpackedSurface } from "@automl/common";
import type { Db } from "@automl/db/client";
import type { Prisma } from "@automl/db";
import { PAGE_SIZE, type LeaderboardQuery } from "./leaderboard-query";
import { correctedInterval, globalRanks, metricRange, significanceGroups, type Interval, type SignificanceGroup } from "./stats";
import { TRIAL_STATUSES, type TrialStatusName } from "./statuses";
import { paretoFrontTrials, type FrontTrial } from "./pareto";
import { objectivesOf, prunerOf, type StudyObjective, type StudyPruner } from "./study-spec";

export { TRIAL_STATUSES, type TrialStatusName } from "./statuses";
export type StatusCounts = Record<TrialStatusName, number>;

/** A trial no longer occupies the budget's "to do" part once it reaches one of these. */
const FINISHED: readonly TrialStatusName[] = ["COMPLETED", "PRUNED", "FAILED", "DIVERGED", "CANCELLED"];

/** What every view shows of a study. */
interface StudyBase {
  id: string;
  name: string;
  status: string;
  task: string;
  metric: string;
  direction: string;
  budgetTrials: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface StudySummary extends StudyBase {
  finished: number;
  running: number;
  /** Best cvMean among COMPLETED trials, in the study's direction; null before the first one. */
  best: number | null;
}

export interface StudyHead extends StudyBase {
  /** cv.folds of the study file (the folds every trial shares). */
  folds: number | null;
  /** The study file's objectives in order (one for a single-objective study). */
  objectives: StudyObjective[];
  /** The pruner the study ran with; null for none. */
  pruner: StudyPruner | null;
}

export interface LeaderboardRow {
  /** Global rank among the study's COMPLETED trials under its objective; null for other statuses. */
  rank: number | null;
  id: string;
  number: number;
  status: string;
  cvMean: number | null;
  cvStd: number | null;
  /** 95% interval of the CV mean, Nadeau–Bengio corrected, clipped to the metric's range. */
  ci: Interval | null;
  /** Corrected paired test against the best trial, Holm-adjusted over every comparison; null for the best itself or without shared folds. */
  vsBest: { meanDiff: number; p: number; pAdjusted: number } | null;
  /** Significance group against the best (COMPLETED trials); null otherwise. */
  group: SignificanceGroup | null;
  /** True for the best and for trials not significantly different from it (adjusted p > 5%). */
  tiedWithBest: boolean;
  depth: number;
  widths: number[];
  activation: string;
  learningRate: number;
  batchSize: number;
  paramCount: number;
  /** Objective vector in the study file's order (multi-objective studies, once COMPLETED). */
  values: number[];
  /** Highest pruner rung reached (0-based); null before the first or without a rung-based pruner. */
  rung: number | null;
  /** Multi-objective studies: whether the trial is on the Pareto front; null with one objective. */
  onFront: boolean | null;
}

export interface Leaderboard {
  study: StudyHead;
  counts: StatusCounts;
  /** Rows matching the filters, over all pages. */
  total: number;
  page: number;
  pageSize: number;
  rows: LeaderboardRow[];
  /** Filter choices present in the study. */
  activations: string[];
  depths: number[];
  bestNumber: number | null;
  /** Trials compared with the best (the Holm family's size m). */
  compared: number;
  /** Multi-objective studies: the Pareto front over all COMPLETED trials (empty otherwise). */
  front: FrontTrial[];
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
    select: { id: true, name: true, status: true, task: true, metric: true, direction: true, budgetTrials: true, createdAt: true, finishedAt: true },
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

export async function getStudyHead(db: Db, studyId: string): Promise<StudyHead | null> {
  const s = await db.study.findUnique({
    where: { id: studyId },
    select: { id: true, name: true, status: true, task: true, metric: true, direction: true, budgetTrials: true, createdAt: true, finishedAt: true, spec: true },
  });
  if (!s) return null;
  const { spec, ...rest } = s;
  const folds = (spec as { cv?: { folds?: unknown } } | null)?.cv?.folds;
  return {
    ...rest,
    folds: typeof folds === "number" ? folds : null,
    objectives: objectivesOf(spec, rest.metric, rest.direction),
    pruner: prunerOf(spec),
  };
}

const rowSelect = {
  id: true, number: true, status: true, cvMean: true, cvStd: true, depth: true, widths: true,
  activation: true, learningRate: true, batchSize: true, paramCount: true, values: true, rung: true,
} as const;

/**
 * One page of a study's trials, filtered and sorted in SQL (indexes led by studyId, status: see
 * migration 20261126020000_leaderboard_indexes), with each row's corrected interval, global rank and
 * paired test against the study's best COMPLETED trial. Null for an unknown study.
 */
export async function getLeaderboard(db: Db, studyId: string, q: LeaderboardQuery): Promise<Leaderboard | null> {
  const study = await getStudyHead(db, studyId);
  if (!study) return null;
  const natural = minimizes(study.direction) ? "asc" : "desc";
  const multi = study.objectives.length > 1;
  // The front is needed before the page query when it is the filter; it is one indexed scan of
  // the study's COMPLETED trials (their number and values).
  const front = multi ? await paretoFrontTrials(db, studyId, study.objectives) : [];
  const onFront = new Set(front.map((t) => t.number));
  const where: Prisma.TrialWhereInput = {
    studyId,
    ...(q.status === "ANY" ? {} : { status: q.status }),
    ...(q.activation ? { activation: q.activation } : {}),
    ...(q.depth !== undefined ? { depth: q.depth } : {}),
    ...(q.width !== undefined ? { widths: { has: q.width } } : {}),
    ...(q.pareto && multi ? { number: { in: [...onFront] } } : {}),
  };
  const dir = q.dir ?? (q.sort === "cvMean" ? natural : "asc");
  // COMPLETED rows always have scores; plain ASC/DESC then matches the btree order exactly, so
  // Postgres walks the index. Other statuses may lack scores: put those last.
  const nullable = (q.sort === "cvMean" || q.sort === "cvStd") && q.status !== "COMPLETED";
  const orderBy: Prisma.TrialOrderByWithRelationInput[] = [
    nullable ? { [q.sort]: { sort: dir, nulls: "last" } } : { [q.sort]: dir },
    // Ties keep the earlier trial first so the ranking is stable between reloads.
    ...(q.sort === "number" ? [] : [{ number: "asc" as const }]),
  ];
  const skip = (q.page - 1) * PAGE_SIZE;
  const [groups, total, trials, ranking, activations, depths] = await Promise.all([
    db.trial.groupBy({ by: ["status"], where: { studyId }, _count: { _all: true } }),
    db.trial.count({ where }),
    db.trial.findMany({ where, orderBy, skip, take: PAGE_SIZE, select: rowSelect }),
    rankingOf(db, studyId, natural, study.folds),
    db.trial.groupBy({ by: ["activation"], where: { studyId }, orderBy: { activation: "asc" } }),
    db.trial.groupBy({ by: ["depth"], where: { studyId }, orderBy: { depth: "asc" } }),
  ]);
  const counts = emptyCounts();
  for (const g of groups) counts[g.status] = g._count._all;

  const ids = trials.map((t) => t.id);
  const foldRows = ids.length ? await db.foldResult.findMany({ where: { trialId: { in: ids } }, select: { trialId: true, fold: true, score: true } }) : [];
  const folds = new Map<string, number[]>();
  for (const f of foldRows) folds.set(f.trialId, [...(folds.get(f.trialId) ?? []), f.score]);
  const range = metricRange(study.metric);

  const rows = trials.map((t): LeaderboardRow => {
    const scores = folds.get(t.id) ?? [];
    const isBest = ranking.best?.id === t.id;
    const vs = ranking.groups.get(t.id);
    const group: SignificanceGroup | null = isBest ? "best" : t.status === "COMPLETED" ? (vs?.group ?? null) : null;
    return {
      ...t,
      rank: ranking.ranks.get(t.id) ?? null,
      ci: correctedInterval(scores, testTrainRatio(study.folds ?? scores.length), range),
      vsBest: vs ? { meanDiff: vs.meanDiff, p: vs.p, pAdjusted: vs.pAdjusted } : null,
      group,
      tiedWithBest: group === "best" || group === "tied",
      onFront: multi ? onFront.has(t.number) : null,
    };
  });
  return {
    study, counts, total, page: q.page, pageSize: PAGE_SIZE, rows,
    activations: activations.map((a) => a.activation),
    depths: depths.map((d) => d.depth),
    bestNumber: ranking.best?.number ?? null,
    compared: ranking.groups.size,
    front,
  };
}

/** k-fold CV: each model trains on (k−1)/k of the data and is tested on 1/k. */
const testTrainRatio = (k: number) => (k > 1 ? 1 / (k - 1) : Number.NaN);

/**
 * Every COMPLETED trial's global rank and its significance group against the best, over the
 * whole study (not the page: Holm's family is every comparison). One aggregate query: each
 * trial's fold-by-fold differences from the best, summarised in SQL (count, mean, sample sd),
 * so the fold rows of a large study never leave Postgres.
 */
async function rankingOf(db: Db, studyId: string, natural: "asc" | "desc", studyFolds: number | null) {
  const sign = natural === "desc" ? -1 : 1;
  const summary = await db.$queryRaw<{ id: string; number: number; cvMean: number; folds: number; n: number; meanDiff: number | null; sd: number | null }[]>`
    WITH done AS (
      SELECT id, number, "cvMean" FROM "Trial"
      WHERE "studyId" = ${studyId} AND status = 'COMPLETED' AND "cvMean" IS NOT NULL
    ), best AS (
      SELECT id FROM done ORDER BY ${sign}::float8 * "cvMean", number LIMIT 1
    )
    SELECT d.id, d.number, d."cvMean",
           (SELECT count(*) FROM "FoldResult" WHERE "trialId" = (SELECT id FROM best))::int AS folds,
           count(b.score)::int AS n, avg(f.score - b.score) AS "meanDiff", stddev_samp(f.score - b.score) AS sd
    FROM done d
    LEFT JOIN "FoldResult" f ON f."trialId" = d.id
    LEFT JOIN "FoldResult" b ON b."trialId" = (SELECT id FROM best) AND b.fold = f.fold
    GROUP BY d.id, d.number, d."cvMean"`;
  const ranks = globalRanks(summary.map((s) => ({ key: s.id, number: s.number, score: s.cvMean })), natural === "desc" ? "maximize" : "minimize");
  const bestRow = summary.find((s) => ranks.get(s.id) === 1);
  const k = studyFolds ?? bestRow?.folds ?? 0;
  const groups = significanceGroups(
    summary.filter((s) => s !== bestRow && s.meanDiff !== null).map((s) => ({ key: s.id, n: s.n, meanDiff: s.meanDiff!, sd: s.sd ?? Number.NaN })),
    testTrainRatio(k),
  );
  return { ranks, groups, best: bestRow ? { id: bestRow.id, number: bestRow.number } : null };
}

// ---- trial page ----

export interface Diagnostics {
  gradNorms: number[];
  deadFraction: (number | null)[];
  weightNorms: number[];
}

/** A trial's decision surface; regionMap is null in surfaces recorded before it existed. */
export type Surface = UnpackedSurface;

export interface TrialDetail {
  study: StudyHead;
  trial: {
    id: string; number: number; status: string; params: unknown; depth: number; widths: number[]; activation: string;
    output: string | null; learningRate: number; batchSize: number; paramCount: number; attempt: number;
    workerId: string | null; backend: string | null; cvMean: number | null; cvStd: number | null; error: string | null;
    divergedFold: number | null; divergedEpoch: number | null; createdAt: Date; startedAt: Date | null; finishedAt: Date | null;
    rung: number | null; values: number[];
  };
  ci: Interval | null;
  folds: { fold: number; score: number; loss: number; epochs: number; metrics: Record<string, number> }[];
  epochs: { fold: number; epoch: number; trainLoss: number; validLoss: number; validMetric: number; diagnostics: Diagnostics | null }[];
  surface: Surface | null;
}

const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");

// JSON columns are written by workers of possibly other versions: check the shape, never trust it.
function asDiagnostics(v: unknown): Diagnostics | null {
  if (!v || typeof v !== "object") return null;
  const d = v as Record<string, unknown>;
  const dead = d.deadFraction;
  if (!isNumArray(d.gradNorms) || !Array.isArray(dead) || !dead.every((x) => x === null || typeof x === "number")) return null;
  return { gradNorms: d.gradNorms, deadFraction: dead as (number | null)[], weightNorms: isNumArray(d.weightNorms) ? d.weightNorms : [] };
}

function asSurface(v: unknown): Surface | null {
  // Packed (base64) since workers pack it; JSON arrays in rows recorded before.
  return unpackSurface(v);
}

function asMetrics(v: unknown): Record<string, number> {
  if (!v || typeof v !== "object") return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === "number"));
}

export async function getTrial(db: Db, studyId: string, number: number): Promise<TrialDetail | null> {
  const [study, t] = await Promise.all([
    getStudyHead(db, studyId),
    db.trial.findUnique({
      where: { studyId_number: { studyId, number } },
      include: {
        folds: { orderBy: { fold: "asc" } },
        epochs: { orderBy: [{ fold: "asc" }, { epoch: "asc" }] },
      },
    }),
  ]);
  if (!study || !t) return null;
  const { folds, epochs, surface, studyId: _s, heartbeatAt: _h, ...trial } = t;
  return {
    study,
    trial,
    ci: correctedInterval(folds.map((f) => f.score), testTrainRatio(study.folds ?? folds.length), metricRange(study.metric)),
    folds: folds.map((f) => ({ fold: f.fold, score: f.score, loss: f.loss, epochs: f.epochs, metrics: asMetrics(f.metrics) })),
    epochs: epochs.map((e) => ({ fold: e.fold, epoch: e.epoch, trainLoss: e.trainLoss, validLoss: e.validLoss, validMetric: e.validMetric, diagnostics: asDiagnostics(e.diagnostics) })),
    surface: asSurface(surface),
  };
}

// ---- study plots ----

export interface StudyPlots {
  /** Sampled trials (number, score) plus every improvement, with the best so far. */
  history: { number: number; score: number; best: number }[];
  /** Pareto-optimal trials: no other trial has fewer (or equal) parameters and a better score. */
  pareto: { number: number; paramCount: number; score: number }[];
  /** An evenly spaced sample of COMPLETED trials for scatter and parallel coordinates. */
  sample: { number: number; score: number; paramCount: number; depth: number; learningRate: number; batchSize: number; activation: string; widthMean: number; values: number[] }[];
  completed: number;
  /** Multi-objective studies: the Pareto front over every objective, from Trial.values (empty otherwise). */
  front: FrontTrial[];
}

const MAX_POINTS = 400;

/**
 * The study-level plots, aggregated in SQL so that 100k trials send at most a few hundred
 * points: window functions find the running best and the Pareto front; `number % step`
 * thins the rest. `sign` turns "minimize" into "maximize" so one query serves both.
 */
export async function getStudyPlots(db: Db, study: StudyHead): Promise<StudyPlots> {
  const sign = minimizes(study.direction) ? -1 : 1;
  const completed = await db.trial.count({ where: { studyId: study.id, status: "COMPLETED", cvMean: { not: null } } });
  const step = Math.max(1, Math.ceil(completed / MAX_POINTS));
  const [history, pareto, sample, front] = await Promise.all([
    db.$queryRaw<{ number: number; score: number; best: number; improved: boolean }[]>`
      SELECT number, score, best, improved FROM (
        SELECT number, "cvMean" AS score,
               ${sign}::float8 * max(${sign}::float8 * "cvMean") OVER (ORDER BY number) AS best,
               row_number() OVER (ORDER BY number) AS rn,
               coalesce(${sign}::float8 * "cvMean" > max(${sign}::float8 * "cvMean") OVER (ORDER BY number ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), true) AS improved
        FROM "Trial" WHERE "studyId" = ${study.id} AND status = 'COMPLETED' AND "cvMean" IS NOT NULL
      ) s WHERE improved OR (rn - 1) % ${step} = 0 ORDER BY number`,
    db.$queryRaw<{ number: number; paramCount: number; score: number }[]>`
      SELECT number, "paramCount", score FROM (
        SELECT number, "paramCount", "cvMean" AS score,
               max(${sign}::float8 * "cvMean") OVER (ORDER BY "paramCount", ${sign}::float8 * "cvMean" DESC, number ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
        FROM "Trial" WHERE "studyId" = ${study.id} AND status = 'COMPLETED' AND "cvMean" IS NOT NULL
      ) s WHERE prev IS NULL OR ${sign}::float8 * score > prev ORDER BY "paramCount"`,
    db.$queryRaw<StudyPlots["sample"]>`
      SELECT number, "cvMean" AS score, "paramCount", depth, "learningRate", "batchSize", activation,
             (SELECT avg(w)::float8 FROM unnest(widths) w) AS "widthMean", "values"
      FROM "Trial" WHERE "studyId" = ${study.id} AND status = 'COMPLETED' AND "cvMean" IS NOT NULL AND number % ${step} = 0
      ORDER BY number LIMIT ${MAX_POINTS * 2}`,
    paretoFrontTrials(db, study.id, study.objectives),
  ]);
  return { history: history.map(({ improved: _i, ...h }) => h), pareto, sample, completed, front };
}
