// The leaderboard's URL state (?sort=&dir=&status=&activation=&depth=&width=&pareto=&page=), parsed strictly:
// anything unknown falls back to the default, so a hand-edited URL never reaches SQL as text.
import { TRIAL_STATUSES, type TrialStatusName } from "./statuses";

export const SORT_KEYS = ["cvMean", "cvStd", "depth", "paramCount", "learningRate", "number"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const SORT_LABELS: Record<SortKey, string> = {
  cvMean: "CV mean",
  cvStd: "CV std",
  depth: "Depth",
  paramCount: "Parameters",
  learningRate: "Learning rate",
  number: "Trial number",
};
export const PAGE_SIZE = 50;

export interface LeaderboardQuery {
  sort: SortKey;
  /** undefined: the natural direction (the study's for cvMean, ascending otherwise). */
  dir: "asc" | "desc" | undefined;
  status: TrialStatusName | "ANY";
  activation: string | undefined;
  depth: number | undefined;
  /** Trials with a hidden layer of exactly this width. */
  width: number | undefined;
  /** Multi-objective studies: only the trials on the Pareto front (`?pareto=1`). */
  pareto: boolean;
  /** 1-based. */
  page: number;
}

type Params = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v) || undefined;

export function parseLeaderboardQuery(params: Params): LeaderboardQuery {
  const sort = one(params.sort);
  const dir = one(params.dir);
  const status = one(params.status);
  const depth = Number(one(params.depth));
  const width = Number(one(params.width));
  const page = Number(one(params.page));
  const activation = one(params.activation);
  return {
    sort: SORT_KEYS.includes(sort as SortKey) ? (sort as SortKey) : "cvMean",
    dir: dir === "asc" || dir === "desc" ? dir : undefined,
    status: status === "ANY" || TRIAL_STATUSES.includes(status as TrialStatusName) ? (status as TrialStatusName | "ANY") : "COMPLETED",
    activation: activation && activation.length <= 100 ? activation : undefined,
    depth: Number.isInteger(depth) && depth > 0 && depth < 1000 ? depth : undefined,
    width: Number.isInteger(width) && width > 0 && width < 1e6 ? width : undefined,
    pareto: one(params.pareto) === "1",
    page: Number.isInteger(page) && page > 1 && page < 1e7 ? page : 1,
  };
}

/** The URL of the same view with some fields changed; defaults are left out to keep URLs short. */
export function leaderboardHref(studyId: string, q: LeaderboardQuery, change: Partial<LeaderboardQuery>): string {
  const n = { ...q, ...change };
  const sp = new URLSearchParams();
  if (n.sort !== "cvMean") sp.set("sort", n.sort);
  if (n.dir) sp.set("dir", n.dir);
  if (n.status !== "COMPLETED") sp.set("status", n.status);
  if (n.activation) sp.set("activation", n.activation);
  if (n.depth !== undefined) sp.set("depth", String(n.depth));
  if (n.width !== undefined) sp.set("width", String(n.width));
  if (n.pareto) sp.set("pareto", "1");
  if (n.page > 1) sp.set("page", String(n.page));
  const s = sp.toString();
  return `/studies/${encodeURIComponent(studyId)}${s ? `?${s}` : ""}`;
}
