// The read-only JSON API (/api/v1/…, docs/api.md): query strings parsed strictly (anything unknown
// or malformed is a 400 naming the parameter, never a silent default), keyset pagination behind
// opaque cursors, and the rows as JSON. Route handlers in app/api/v1 call these.
import type { Db } from "@automl/db/client";
import type { Prisma } from "@automl/db";
import { TRIAL_STATUSES, type TrialStatusName } from "./statuses";
import { objectivesOf, prunerOf } from "./study-spec";

export const STUDY_STATUSES = ["RUNNING", "COMPLETED", "CANCELLED", "FAILED"] as const;
export type StudyStatusName = (typeof STUDY_STATUSES)[number];

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;
/** Trial sort keys (field names of the trial JSON); `-key` sorts descending. */
export const TRIAL_SORTS = ["number", "cvMean", "finishedAt"] as const;
export type TrialSort = (typeof TRIAL_SORTS)[number];

/** A 400: the message names the query parameter. */
export class BadRequest extends Error {}

/** Each parameter at most once, and only the known ones. */
function single(sp: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of sp) {
    if (!allowed.includes(k)) throw new BadRequest(`${k}: unknown query parameter (allowed: ${allowed.join(", ")})`);
    if (out.has(k)) throw new BadRequest(`${k}: given more than once (a list is comma-separated)`);
    out.set(k, v);
  }
  return out;
}

function parseLimit(v: string | undefined): number {
  if (v === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,7}$/.test(v) || Number(v) < 1 || Number(v) > MAX_LIMIT) throw new BadRequest(`limit: an integer from 1 to ${MAX_LIMIT} (got ${JSON.stringify(v)})`);
  return Number(v);
}

function parseList<S extends string>(name: string, v: string | undefined, allowed: readonly S[]): S[] | null {
  if (v === undefined) return null;
  const items = v.split(",");
  for (const s of items) if (!allowed.includes(s as S)) throw new BadRequest(`${name}: ${JSON.stringify(s)} is not one of ${allowed.join(", ")}`);
  return [...new Set(items as S[])].sort();
}

// Cursors: base64url JSON of where the last page ended plus what the query was, so a cursor is
// refused when replayed against another sort, filter or study (it would skip or repeat rows).
function encodeCursor(c: object): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(v: string): Record<string, unknown> {
  if (v.length > 2000 || !/^[A-Za-z0-9_-]+$/.test(v)) throw new BadRequest("cursor: not a cursor this API returned");
  try {
    const c = JSON.parse(Buffer.from(v, "base64url").toString("utf8")) as unknown;
    if (c && typeof c === "object" && !Array.isArray(c)) return c as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new BadRequest("cursor: not a cursor this API returned");
}

const sameQuery = (c: Record<string, unknown>, q: string) => {
  if (c.q !== q) throw new BadRequest("cursor: made for another query (keep sort, status and the study as they were when it was returned)");
};

// ---- studies ----

export interface StudiesQuery {
  statuses: StudyStatusName[] | null;
  limit: number;
  after: { createdAt: Date; id: string } | null;
}

export function parseStudiesQuery(sp: URLSearchParams): StudiesQuery {
  const p = single(sp, ["status", "limit", "cursor"]);
  const statuses = parseList("status", p.get("status"), STUDY_STATUSES);
  const limit = parseLimit(p.get("limit"));
  let after: StudiesQuery["after"] = null;
  const cursor = p.get("cursor");
  if (cursor !== undefined) {
    const c = decodeCursor(cursor);
    sameQuery(c, studiesSignature(statuses));
    const at = typeof c.t === "string" ? new Date(c.t) : new Date(Number.NaN);
    if (Number.isNaN(at.getTime()) || typeof c.i !== "string") throw new BadRequest("cursor: not a cursor this API returned");
    after = { createdAt: at, id: c.i };
  }
  return { statuses, limit, after };
}

const studiesSignature = (statuses: readonly string[] | null) => `studies|${statuses?.join(",") ?? ""}`;

const studySelect = {
  id: true, name: true, status: true, task: true, metric: true, direction: true, budgetTrials: true, parallel: true,
  createdAt: true, finishedAt: true, spec: true,
} as const;
type StudyRow = Prisma.StudyGetPayload<{ select: typeof studySelect }>;

export interface BestTrial {
  id: string;
  number: number;
  cvMean: number | null;
}

function studyJson(s: StudyRow, counts: Partial<Record<TrialStatusName, number>>, best: BestTrial | null) {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    task: s.task,
    objective: { metric: s.metric, direction: s.direction },
    objectives: objectivesOf(s.spec, s.metric, s.direction),
    budget: { trials: s.budgetTrials, parallel: s.parallel },
    counts: Object.fromEntries(TRIAL_STATUSES.map((st) => [st, counts[st] ?? 0])),
    best,
    createdAt: s.createdAt.toISOString(),
    finishedAt: s.finishedAt?.toISOString() ?? null,
  };
}
export type StudyJson = ReturnType<typeof studyJson>;

/** Trial counts by status and the best COMPLETED trial (by the study's direction, ties to the lower number) of each study. */
async function summaries(db: Db, ids: string[]) {
  if (ids.length === 0) return { counts: new Map<string, Partial<Record<TrialStatusName, number>>>(), best: new Map<string, BestTrial>() };
  const [groups, best] = await Promise.all([
    db.trial.groupBy({ by: ["studyId", "status"], where: { studyId: { in: ids } }, _count: { _all: true } }),
    db.$queryRaw<{ studyId: string; id: string; number: number; cvMean: number }[]>`
      SELECT DISTINCT ON (t."studyId") t."studyId", t.id, t.number, t."cvMean"
      FROM "Trial" t JOIN "Study" s ON s.id = t."studyId"
      WHERE t."studyId" = ANY(${ids}) AND t.status = 'COMPLETED' AND t."cvMean" IS NOT NULL
      ORDER BY t."studyId", CASE WHEN s.direction = 'minimize' THEN t."cvMean" ELSE -t."cvMean" END, t.number`,
  ]);
  const counts = new Map<string, Partial<Record<TrialStatusName, number>>>();
  for (const g of groups) counts.set(g.studyId, { ...counts.get(g.studyId), [g.status]: g._count._all });
  return { counts, best: new Map(best.map((b) => [b.studyId, { id: b.id, number: b.number, cvMean: finiteOrNull(b.cvMean) }])) };
}

/** Studies newest first (ties by id), one page. */
export async function apiStudies(db: Db, q: StudiesQuery) {
  const where: Prisma.StudyWhereInput = {
    ...(q.statuses ? { status: { in: q.statuses } } : {}),
    ...(q.after ? { OR: [{ createdAt: { lt: q.after.createdAt } }, { createdAt: q.after.createdAt, id: { gt: q.after.id } }] } : {}),
  };
  const rows = await db.study.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "asc" }], take: q.limit + 1, select: studySelect });
  const page = rows.slice(0, q.limit);
  const { counts, best } = await summaries(db, page.map((s) => s.id));
  const last = page.at(-1);
  return {
    studies: page.map((s) => studyJson(s, counts.get(s.id) ?? {}, best.get(s.id) ?? null)),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ q: studiesSignature(q.statuses), t: last.createdAt.toISOString(), i: last.id }) : null,
  };
}

/** One study with its stored study file and pruner; null when there is none with this id. */
export async function apiStudy(db: Db, id: string) {
  const s = await db.study.findUnique({ where: { id }, select: studySelect });
  if (!s) return null;
  const { counts, best } = await summaries(db, [s.id]);
  return { ...studyJson(s, counts.get(s.id) ?? {}, best.get(s.id) ?? null), pruner: prunerOf(s.spec), spec: s.spec };
}

// ---- trials ----

export interface TrialsQuery {
  statuses: TrialStatusName[] | null;
  sort: TrialSort;
  desc: boolean;
  limit: number;
  /** Where the previous page ended: its last row's sort value (null: a row without one) and number. */
  after: { value: number | string | null; number: number } | null;
}

const trialsSignature = (studyId: string, statuses: readonly string[] | null, sort: TrialSort, desc: boolean) =>
  `trials|${studyId}|${statuses?.join(",") ?? ""}|${desc ? "-" : ""}${sort}`;

export function parseTrialsQuery(studyId: string, sp: URLSearchParams): TrialsQuery {
  const p = single(sp, ["status", "sort", "limit", "cursor"]);
  const statuses = parseList("status", p.get("status"), TRIAL_STATUSES);
  const rawSort = p.get("sort") ?? "number";
  const desc = rawSort.startsWith("-");
  const sort = rawSort.slice(desc ? 1 : 0) as TrialSort;
  if (!TRIAL_SORTS.includes(sort)) throw new BadRequest(`sort: ${JSON.stringify(rawSort)} is not one of ${TRIAL_SORTS.join(", ")} (prefix - for descending)`);
  const limit = parseLimit(p.get("limit"));
  let after: TrialsQuery["after"] = null;
  const cursor = p.get("cursor");
  if (cursor !== undefined) {
    const c = decodeCursor(cursor);
    sameQuery(c, trialsSignature(studyId, statuses, sort, desc));
    const valueOk = c.v === null || (sort === "finishedAt" ? typeof c.v === "string" && !Number.isNaN(Date.parse(c.v)) : typeof c.v === "string" && Number.isFinite(Number(c.v)));
    if (!Number.isInteger(c.n) || !valueOk) throw new BadRequest("cursor: not a cursor this API returned");
    after = { value: c.v === null ? null : sort === "finishedAt" ? (c.v as string) : Number(c.v), number: c.n as number };
  }
  return { statuses, sort, desc, limit, after };
}

const finiteOrNull = (x: number | null | undefined) => (typeof x === "number" && Number.isFinite(x) ? x : null);

/**
 * The keyset after the previous page, for the order (value, nulls last; then number ascending).
 * `number` is unique in a study, so the order is total and every row comes exactly once.
 */
function afterWhere(q: TrialsQuery): Prisma.TrialWhereInput {
  const a = q.after;
  if (!a) return {};
  if (q.sort === "number") return { number: q.desc ? { lt: a.number } : { gt: a.number } };
  const col = q.sort;
  if (a.value === null) return { [col]: null, number: { gt: a.number } };
  const v = col === "finishedAt" ? new Date(a.value) : a.value;
  return { OR: [{ [col]: q.desc ? { lt: v } : { gt: v } }, { [col]: v, number: { gt: a.number } }, { [col]: null }] };
}

const trialSelect = {
  id: true, number: true, status: true, params: true, cvMean: true, cvStd: true, paramCount: true, backend: true, attempt: true,
  workerId: true, error: true, divergedEpoch: true, rung: true, values: true, createdAt: true, startedAt: true, finishedAt: true,
} as const;

/** One page of a study's trials; null when the study does not exist. */
export async function apiTrials(db: Db, studyId: string, q: TrialsQuery) {
  const study = await db.study.findUnique({ where: { id: studyId }, select: { id: true } });
  if (!study) return null;
  const where: Prisma.TrialWhereInput = { studyId, ...(q.statuses ? { status: { in: q.statuses } } : {}), ...afterWhere(q) };
  const dir = q.desc ? "desc" : "asc";
  const orderBy: Prisma.TrialOrderByWithRelationInput[] =
    q.sort === "number" ? [{ number: dir }] : [{ [q.sort]: { sort: dir, nulls: "last" } }, { number: "asc" }];
  const rows = await db.trial.findMany({ where, orderBy, take: q.limit + 1, select: trialSelect });
  const page = rows.slice(0, q.limit);
  const folds = page.length
    ? await db.foldResult.findMany({ where: { trialId: { in: page.map((t) => t.id) } }, select: { trialId: true, fold: true, score: true, epochs: true }, orderBy: { fold: "asc" } })
    : [];
  const byTrial = new Map<string, typeof folds>();
  for (const f of folds) byTrial.set(f.trialId, [...(byTrial.get(f.trialId) ?? []), f]);
  const last = page.at(-1);
  const lastValue = (t: NonNullable<typeof last>) => {
    if (q.sort === "finishedAt") return t.finishedAt?.toISOString() ?? null;
    // The coordinator records only finite CV means (CompleteTrial refuses others).
    return q.sort === "cvMean" ? (t.cvMean === null ? null : String(t.cvMean)) : String(t.number);
  };
  return {
    trials: page.map((t) => {
      const fs = byTrial.get(t.id) ?? [];
      return {
        id: t.id,
        number: t.number,
        status: t.status,
        params: t.params,
        cv: t.cvMean === null ? null : { mean: finiteOrNull(t.cvMean), std: finiteOrNull(t.cvStd), folds: fs.map((f) => finiteOrNull(f.score)) },
        epochs: fs.length ? Math.max(...fs.map((f) => f.epochs)) : null,
        rung: t.rung,
        values: t.values.map(finiteOrNull),
        paramCount: t.paramCount,
        backend: t.backend,
        attempt: t.attempt,
        workerId: t.workerId,
        error: t.error,
        divergedEpoch: t.divergedEpoch,
        createdAt: t.createdAt.toISOString(),
        startedAt: t.startedAt?.toISOString() ?? null,
        finishedAt: t.finishedAt?.toISOString() ?? null,
        durationS: t.startedAt && t.finishedAt ? (t.finishedAt.getTime() - t.startedAt.getTime()) / 1000 : null,
      };
    }),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ q: trialsSignature(studyId, q.statuses, q.sort, q.desc), v: lastValue(last), n: last.number }) : null,
  };
}

// ---- models ----

/** `?format=json|onnx` of a model download (json when absent). */
export function parseModelFormat(sp: URLSearchParams): "json" | "onnx" {
  const f = single(sp, ["format"]).get("format") ?? "json";
  if (f !== "json" && f !== "onnx") throw new BadRequest(`format: ${JSON.stringify(f)} is not one of json, onnx`);
  return f;
}
