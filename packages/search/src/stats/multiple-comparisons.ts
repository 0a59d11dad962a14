// Adjusted p-values for a family of tests (one per ablation variant): testing m variants at
// α each would find about α·m "significant" factors by chance alone.

function checkedOrder(p: readonly number[]): number[] {
  p.forEach((x, i) => {
    if (!(x >= 0 && x <= 1)) throw new RangeError(`p[${i}] = ${x} is not a probability`);
  });
  return p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
}

/**
 * Holm–Bonferroni step-down adjusted p-values (controls the family-wise error rate):
 * sorted ascending, p̃(i) = max_{j ≤ i} min(1, (m − j + 1)·p(j)). Reject where p̃ ≤ α.
 */
export function holmAdjust(p: readonly number[]): number[] {
  const m = p.length;
  const order = checkedOrder(p);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p[idx]!));
    out[idx] = running;
  });
  return out;
}

/**
 * Benjamini–Hochberg step-up adjusted p-values (controls the false discovery rate):
 * sorted ascending, p̃(i) = min_{j ≥ i} min(1, m·p(j)/j).
 */
export function benjaminiHochbergAdjust(p: readonly number[]): number[] {
  const m = p.length;
  const order = checkedOrder(p);
  const out = new Array<number>(m);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const idx = order[rank]!;
    running = Math.min(running, Math.min(1, (m * p[idx]!) / (rank + 1)));
    out[idx] = running;
  }
  return out;
}

export type Correction = "holm" | "bh";

export function adjustPValues(p: readonly number[], method: Correction): number[] {
  return method === "holm" ? holmAdjust(p) : benjaminiHochbergAdjust(p);
}
