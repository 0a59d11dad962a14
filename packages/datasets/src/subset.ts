import { createRng } from "@automl/common/core";
import { DatasetSpecError, type Dataset, type DatasetTask } from "./types";

/**
 * A seeded subset of n rows, in shuffled order. For classification each class keeps its share:
 * class c gets ⌊n·N_c/N⌋ or ⌈n·N_c/N⌉ rows (largest remainders round up, ties to the lower
 * class index), so a small subset of a large set has the same balance as the whole. Regression
 * has no classes to keep, so it is a uniform random subset. n = ds.n gives a seeded permutation.
 */
export function stratifiedSubset(ds: Dataset, n: number, seed: number): Dataset {
  const rows = stratifiedIndices(ds.y, ds.task, n, seed);
  return gatherDataset(ds, rows);
}

/** The row indices stratifiedSubset picks, for callers that gather rows from raw storage. */
export function stratifiedIndices(y: Float32Array, task: DatasetTask, n: number, seed: number): Int32Array {
  const N = y.length;
  if (!Number.isInteger(n) || n < 1 || n > N) {
    throw new DatasetSpecError("n", `must be an integer in [1, ${N}] (the dataset's size), got ${String(n)}`);
  }
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new DatasetSpecError("seed", `must be a finite number, got ${String(seed)}`);
  }
  const rng = createRng(seed);
  let picked: Int32Array;
  if (task === "regression") {
    const perm = Int32Array.from({ length: N }, (_, i) => i);
    rng.shuffle(perm);
    picked = perm.slice(0, n);
  } else {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < N; i++) {
      let members = byClass.get(y[i]!);
      if (members === undefined) byClass.set(y[i]!, (members = []));
      members.push(i);
    }
    const classes = [...byClass.keys()].sort((a, b) => a - b);
    // Integer arithmetic (n·N_c < 2^53) so equal remainders tie exactly.
    const share = classes.map((c) => n * byClass.get(c)!.length);
    const quota = share.map((s) => Math.floor(s / N));
    const order = classes.map((_, k) => k).sort((a, b) => (share[b]! % N) - (share[a]! % N) || a - b);
    let left = n - quota.reduce((s, q) => s + q, 0);
    for (const k of order) {
      if (left === 0) break;
      quota[k]!++;
      left--;
    }
    picked = new Int32Array(n);
    let at = 0;
    classes.forEach((c, k) => {
      const members = byClass.get(c)!;
      rng.shuffle(members);
      for (let i = 0; i < quota[k]!; i++) picked[at++] = members[i]!;
    });
  }
  rng.shuffle(picked); // interleave classes so contiguous slices are not sorted by class
  return picked;
}

/** A new Dataset of the given rows of ds, metadata copied. */
export function gatherDataset(ds: Dataset, rows: Int32Array): Dataset {
  const { d } = ds;
  const X = new Float32Array(rows.length * d);
  const y = new Float32Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r]!;
    X.set(ds.X.subarray(src * d, (src + 1) * d), r * d);
    y[r] = ds.y[src]!;
  }
  return {
    ...ds,
    X,
    y,
    n: rows.length,
    featureNames: [...ds.featureNames],
    ...(ds.categorical !== undefined ? { categorical: ds.categorical.map((c) => ({ ...c, levels: [...c.levels] })) } : {}),
    ...(ds.classNames !== undefined ? { classNames: [...ds.classNames] } : {}),
  };
}
