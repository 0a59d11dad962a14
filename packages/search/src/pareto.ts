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
  let remaining = pts.map((_, i) => i).filter((i) => pts[i]!.every(Number.isFinite));
  let ranked = 0;
  for (let rank = 0; remaining.length > 0 && ranked < maxRanked; rank++) {
    const front = directions.length === 2 ? front2d(pts, remaining) : frontNaive(pts, remaining);
    const inFront = new Set(front);
    for (const i of front) ranks[i] = rank;
    ranked += front.length;
    remaining = remaining.filter((i) => !inFront.has(i));
  }
  return ranks;
}

// O(n log n): sort by the first objective (ties by the second); a point is on the front when its
// second objective beats every earlier point's.
function front2d(pts: number[][], idx: number[]): number[] {
  const sorted = [...idx].sort((a, b) => pts[a]![0]! - pts[b]![0]! || pts[a]![1]! - pts[b]![1]!);
  const front: number[] = [];
  let best = Infinity;
  let prev: number[] | undefined;
  for (const i of sorted) {
    const p = pts[i]!;
    // Exact duplicates of a front point are on the front too (neither dominates the other).
    if (p[1]! < best || (prev !== undefined && p[0] === prev[0] && p[1] === prev[1])) {
      front.push(i);
      if (p[1]! < best) prev = p;
      best = Math.min(best, p[1]!);
    }
  }
  return front;
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
