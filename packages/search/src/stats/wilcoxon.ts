// Wilcoxon signed-rank test for paired samples, as scipy.stats.wilcoxon computes it with its
// defaults (zero_method "wilcox": zero differences dropped; two-sided; no continuity correction;
// the exact null distribution when n ≤ 50 with no ties and no zeros, else the normal
// approximation with the tie-corrected variance). Used by the search benchmark suite to compare
// two methods' regrets over the same seeds.
import { normalCdf } from "../parzen";

export interface WilcoxonResult {
  /** Non-zero differences used. */
  n: number;
  /** min(W+, W−), the statistic scipy reports for the two-sided test. */
  statistic: number;
  /** Sum of the ranks of positive differences (x > y). */
  wPlus: number;
  pValue: number;
  method: "exact" | "approx";
}

/** Ranks 1..n of |d| with ties given their average rank; whether any tie occurred. */
function averageRanks(abs: number[]): { ranks: number[]; ties: number[] } {
  const order = abs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(abs.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = r;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** P(W+ ≤ w) under the null, by counting subsets of {1..n} with rank sum ≤ w. */
function exactCdf(n: number, w: number): number {
  const max = (n * (n + 1)) / 2;
  let counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    const next = counts.slice();
    for (let s = k; s <= max; s++) next[s]! += counts[s - k]!;
    counts = next;
  }
  let below = 0;
  for (let s = 0; s <= Math.floor(w); s++) below += counts[s]!;
  return below / 2 ** n;
}

/** Two-sided Wilcoxon signed-rank test of x − y (paired, same length). */
export function wilcoxonSignedRank(x: readonly number[], y: readonly number[]): WilcoxonResult {
  if (x.length !== y.length) throw new Error(`wilcoxon: paired samples differ in length (${x.length} vs ${y.length})`);
  const d = x.map((v, i) => v - y[i]!).filter((v) => v !== 0);
  const n = d.length;
  if (n === 0) return { n, statistic: 0, wPlus: 0, pValue: 1, method: "exact" };
  const { ranks, ties } = averageRanks(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if (d[i]! > 0) wPlus += ranks[i]!;
  const total = (n * (n + 1)) / 2;
  const statistic = Math.min(wPlus, total - wPlus);
  const zeros = x.length - n;
  if (n <= 50 && ties.length === 0 && zeros === 0) {
    return { n, statistic, wPlus, pValue: Math.min(1, 2 * exactCdf(n, statistic)), method: "exact" };
  }
  const mean = total / 2;
  const tieTerm = ties.reduce((s, t) => s + t * t * t - t, 0);
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  const z = sd > 0 ? (statistic - mean) / sd : 0;
  return { n, statistic, wPlus, pValue: Math.min(1, 2 * normalCdf(z)), method: "approx" };
}
