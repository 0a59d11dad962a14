// Multi-objective helpers: dominance, the Pareto front, non-dominated sorting, crowding distance,
// 2-D hypervolume. Directions are per objective; internally every objective is minimized.
import type { Direction } from "./types";

function signed(point: readonly number[], directions: readonly Direction[]): number[] {
  if (point.length !== directions.length) throw new Error(`a point has ${point.length} values but there are ${directions.length} objectives`);
  return point.map((v, i) => (directions[i] === "maximize" ? -v : v));
}

/** a dominates b: no worse in every objective, better in one (both already in minimize form). */
function dominatesMin(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

export function dominates(a: readonly number[], b: readonly number[], directions: readonly Direction[]): boolean {
  return dominatesMin(signed(a, directions), signed(b, directions));
}

/**
 * Front rank of every point: 0 for the Pareto front, 1 for the front once it is removed, …
 * Points with a non-finite value rank after every finite one. `maxRanked`: stop once this many
 * points have a rank (the rest get Infinity) — TPE needs only its good group.
 */
export function nonDominatedRanks(points: readonly (readonly number[])[], directions: readonly Direction[], maxRanked = Infinity): number[] {
  const ranks = new Array<number>(points.length).fill(Infinity);
  const pts = points.map((p) => signed(p, directions));
  if (directions.length === 2) return ranks2d(pts, ranks);
  let remaining = pts.map((_, i) => i).filter((i) => pts[i]!.every(Number.isFinite));
  let ranked = 0;
  for (let rank = 0; remaining.length > 0 && ranked < maxRanked; rank++) {
    const front = frontNaive(pts, remaining);
    const inFront = new Set(front);
    for (const i of front) ranks[i] = rank;
    ranked += front.length;
    remaining = remaining.filter((i) => !inFront.has(i));
  }
  return ranks;
}

/**
 * Every rank at once for two objectives, O(n log n). Points in order of the first objective (ties:
 * second): a point joins the first front none of whose points dominates it. Earlier points are
 * no worse in the first objective, so front k dominates p iff its smallest second value is below
 * p's (or equal, from a point strictly better in the first). Those smallest values grow with k
 * and "dominated by front k" holds for a prefix of fronts, so a binary search finds the front.
 */
function ranks2d(pts: number[][], ranks: number[]): number[] {
  const idx = pts.map((_, i) => i).filter((i) => Number.isFinite(pts[i]![0]!) && Number.isFinite(pts[i]![1]!));
  idx.sort((a, b) => pts[a]![0]! - pts[b]![0]! || pts[a]![1]! - pts[b]![1]!);
  const min1: number[] = []; // per front: the smallest second value
  const at0: number[] = []; // per front: the first value of the point that holds min1 (earliest, so smallest)
  for (const i of idx) {
    const [p0, p1] = pts[i] as [number, number];
    const dominatedBy = (k: number) => min1[k]! < p1 || (min1[k] === p1 && at0[k]! < p0);
    let lo = 0;
    let hi = min1.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (dominatedBy(mid)) lo = mid + 1;
      else hi = mid;
    }
    ranks[i] = lo;
    if (lo === min1.length) {
      min1.push(p1);
      at0.push(p0);
    } else if (p1 < min1[lo]!) {
      min1[lo] = p1;
      at0[lo] = p0;
    }
  }
  return ranks;
}

function frontNaive(pts: number[][], idx: number[]): number[] {
  return idx.filter((i) => !idx.some((j) => j !== i && dominatesMin(pts[j]!, pts[i]!)));
}

/** Indices of the non-dominated points (the Pareto front), in input order. */
export function paretoFront(points: readonly (readonly number[])[], directions: readonly Direction[]): number[] {
  const ranks = nonDominatedRanks(points, directions, 1);
  return ranks.flatMap((r, i) => (r === 0 ? [i] : []));
}

/** NSGA-II crowding distance of each point of one front (Infinity at the ends of each objective). */
export function crowdingDistance(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const dist = new Array<number>(n).fill(0);
  if (n === 0) return dist;
  const m = points[0]!.length;
  for (let k = 0; k < m; k++) {
    const order = points.map((_, i) => i).sort((a, b) => points[a]![k]! - points[b]![k]!);
    const lo = points[order[0]!]![k]!;
    const hi = points[order[n - 1]!]![k]!;
    dist[order[0]!] = Infinity;
    dist[order[n - 1]!] = Infinity;
    if (hi === lo) continue;
    for (let j = 1; j < n - 1; j++) dist[order[j]!]! += (points[order[j + 1]!]![k]! - points[order[j - 1]!]![k]!) / (hi - lo);
  }
  return dist;
}

/**
 * Area dominated by the points and bounded by `reference` (2 objectives). The reference must be
 * worse than every point in both objectives to count it whole; points beyond it add nothing.
 */
export function hypervolume2d(points: readonly (readonly number[])[], reference: readonly number[], directions: readonly Direction[]): number {
  const ref = signed(reference, directions);
  const pts = points.map((p) => signed(p, directions)).filter((p) => p[0]! < ref[0]! && p[1]! < ref[1]!);
  pts.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let area = 0;
  let y = ref[1]!;
  for (const p of pts) {
    if (p[1]! >= y) continue;
    area += (ref[0]! - p[0]!) * (y - p[1]!);
    y = p[1]!;
  }
  return area;
}
