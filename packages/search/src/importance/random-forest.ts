// A regression random forest (bagged CART trees, random feature subsets per split): the
// surrogate that fANOVA decomposes. Seeded; pure.
import { createRng, type Rng } from "@automl/common";

export type TreeNode = { leaf: true; value: number } | { leaf: false; feature: number; threshold: number; left: TreeNode; right: TreeNode };

export interface ForestOptions {
  trees?: number;
  /** Fraction of the features considered at each split (SMAC's forest uses 5/6). */
  featureFraction?: number;
  minSamplesLeaf?: number;
  maxDepth?: number;
  seed?: number;
}

interface Data {
  X: readonly (readonly number[])[];
  y: readonly number[];
}

function leafOf(y: readonly number[], idx: readonly number[]): TreeNode {
  let s = 0;
  for (const i of idx) s += y[i]!;
  return { leaf: true, value: s / idx.length };
}

/** The split of `idx` on `feature` that most reduces the squared error; threshold between two distinct values. */
function bestSplit(d: Data, idx: number[], feature: number, minLeaf: number): { gain: number; threshold: number } | null {
  const sorted = [...idx].sort((a, b) => d.X[a]![feature]! - d.X[b]![feature]!);
  const n = sorted.length;
  let total = 0;
  for (const i of sorted) total += d.y[i]!;
  let leftSum = 0;
  let best: { gain: number; threshold: number } | null = null;
  for (let k = 0; k < n - 1; k++) {
    leftSum += d.y[sorted[k]!]!;
    const a = d.X[sorted[k]!]![feature]!;
    const b = d.X[sorted[k + 1]!]![feature]!;
    if (a === b || k + 1 < minLeaf || n - k - 1 < minLeaf) continue;
    const nl = k + 1;
    const nr = n - nl;
    // SSE reduction = nl·m_l² + nr·m_r² − n·m² (the Σy² terms cancel).
    const gain = (leftSum * leftSum) / nl + ((total - leftSum) * (total - leftSum)) / nr - (total * total) / n;
    if (!best || gain > best.gain) best = { gain, threshold: (a + b) / 2 };
  }
  return best;
}

function grow(d: Data, idx: number[], depth: number, rng: Rng, o: Required<Omit<ForestOptions, "seed" | "trees">>, features: number): TreeNode {
  if (idx.length < 2 * o.minSamplesLeaf || depth >= o.maxDepth) return leafOf(d.y, idx);
  const order = Array.from({ length: features }, (_, f) => f);
  rng.shuffle(order);
  const tried = order.slice(0, Math.max(1, Math.round(features * o.featureFraction)));
  let best: { gain: number; threshold: number; feature: number } | null = null;
  for (const f of tried) {
    const s = bestSplit(d, idx, f, o.minSamplesLeaf);
    if (s && s.gain > 1e-12 && (!best || s.gain > best.gain)) best = { ...s, feature: f };
  }
  if (!best) return leafOf(d.y, idx);
  const left = idx.filter((i) => d.X[i]![best.feature]! <= best.threshold);
  const right = idx.filter((i) => d.X[i]![best.feature]! > best.threshold);
  return { leaf: false, feature: best.feature, threshold: best.threshold, left: grow(d, left, depth + 1, rng, o, features), right: grow(d, right, depth + 1, rng, o, features) };
}

/** Trains the forest on rows X (one number per feature) and targets y; each tree on a bootstrap sample. */
export function trainForest(X: readonly (readonly number[])[], y: readonly number[], opts: ForestOptions = {}): TreeNode[] {
  if (X.length !== y.length) throw new RangeError(`X has ${X.length} rows but y has ${y.length}`);
  if (X.length === 0) return [];
  const features = X[0]!.length;
  const o = { featureFraction: opts.featureFraction ?? 5 / 6, minSamplesLeaf: opts.minSamplesLeaf ?? 3, maxDepth: opts.maxDepth ?? 20 };
  const root = createRng(opts.seed ?? 0);
  return Array.from({ length: opts.trees ?? 32 }, (_, t) => {
    const rng = root.fork(t);
    const sample = Array.from({ length: X.length }, () => rng.int(X.length));
    return grow({ X, y }, sample, 0, rng, o, features);
  });
}

export function predictTree(node: TreeNode, x: readonly number[]): number {
  let n = node;
  while (!n.leaf) n = x[n.feature]! <= n.threshold ? n.left : n.right;
  return n.value;
}
