// Functional ANOVA of a random forest (Hutter, Hoos & Leyton-Brown, ICML 2014): the share of the
// surrogate's variance over the whole space that each parameter explains on its own (its main
// effect). Trees are axis-aligned, so every marginal is piecewise constant and is computed
// exactly from the leaves' boxes — no sampling.
import type { TreeNode } from "./random-forest";

/** Per feature, the [lo, hi] range the parameter spans (uniform measure over it). */
export type Domain = readonly (readonly [number, number])[];

interface Leaf {
  value: number;
  lo: number[];
  hi: number[];
}

function leaves(node: TreeNode, domain: Domain): Leaf[] {
  const out: Leaf[] = [];
  const walk = (n: TreeNode, lo: number[], hi: number[]) => {
    if (n.leaf) {
      out.push({ value: n.value, lo, hi });
      return;
    }
    const t = Math.min(Math.max(n.threshold, lo[n.feature]!), hi[n.feature]!);
    walk(n.left, lo, hi.map((h, j) => (j === n.feature ? t : h)));
    walk(n.right, lo.map((l, j) => (j === n.feature ? t : l)), hi);
  };
  walk(node, domain.map((d) => d[0]), domain.map((d) => d[1]));
  return out;
}

/** Fraction of each feature's main effect in one tree's variance; all 0 for a constant tree. */
export function treeMainEffects(tree: TreeNode, domain: Domain): number[] {
  const ls = leaves(tree, domain);
  const width = domain.map(([lo, hi]) => hi - lo);
  const frac = ls.map((l) => l.lo.map((lo, j) => (width[j]! > 0 ? (l.hi[j]! - lo) / width[j]! : 1)));
  const vol = frac.map((f) => f.reduce((a, b) => a * b, 1));
  let mu = 0;
  let second = 0;
  ls.forEach((l, k) => {
    mu += vol[k]! * l.value;
    second += vol[k]! * l.value * l.value;
  });
  const total = second - mu * mu;
  if (!(total > 1e-15 * Math.max(1, second))) return domain.map(() => 0);
  return domain.map(([lo, hi], i) => {
    if (!(hi > lo)) return 0;
    // Segments of dimension i between consecutive leaf boundaries; on each the marginal is
    // constant: the sum over the leaves spanning it of value · (volume in the other dimensions).
    // Each leaf spans a contiguous run of segments, so a difference array adds it in O(1).
    const cuts = [...new Set(ls.flatMap((l) => [l.lo[i]!, l.hi[i]!]))].sort((a, b) => a - b);
    const at = new Map(cuts.map((c, s) => [c, s]));
    const diff = new Float64Array(cuts.length);
    ls.forEach((l, k) => {
      if (!(l.hi[i]! > l.lo[i]!)) return;
      const c = (l.value * vol[k]!) / frac[k]![i]!;
      const start = at.get(l.lo[i]!)!;
      const end = at.get(l.hi[i]!)!;
      diff[start] = diff[start]! + c;
      diff[end] = diff[end]! - c;
    });
    let vi = 0;
    let marginal = 0;
    for (let s = 0; s + 1 < cuts.length; s++) {
      marginal += diff[s]!;
      vi += ((cuts[s + 1]! - cuts[s]!) / (hi - lo)) * marginal * marginal;
    }
    return Math.max(0, Math.min(1, (vi - mu * mu) / total));
  });
}

/** Main-effect fractions averaged over the forest's trees. */
export function forestMainEffects(trees: readonly TreeNode[], domain: Domain): number[] {
  const sum = domain.map(() => 0);
  for (const t of trees) treeMainEffects(t, domain).forEach((v, i) => (sum[i]! += v));
  return sum.map((s) => (trees.length ? s / trees.length : 0));
}
