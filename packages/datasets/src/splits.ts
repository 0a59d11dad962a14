import { createRng } from "@automl/common/core";
import { DatasetSpecError } from "./types";

export interface FoldSplit {
  train: Int32Array;
  test: Int32Array;
}

export interface KFoldOptions {
  /** Keep each class's share in every fold (labels must be class indices). */
  stratified: boolean;
  seed: number;
}

/**
 * k train/test splits; every index 0..n−1 lies in exactly one test fold, and its train set is
 * the complement. Fold sizes differ by at most one. Stratified: each class is shuffled and dealt
 * round-robin, the dealing continuing across classes, so every fold holds ⌊n_c/k⌋ or ⌈n_c/k⌉ of
 * class c. Index arrays are sorted ascending.
 */
export function kFoldSplits(y: Float32Array, k: number, opts: KFoldOptions): FoldSplit[] {
  const n = y.length;
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new DatasetSpecError("k", `must be an integer in [2, n=${n}], got ${String(k)}`);
  }
  if (typeof opts.seed !== "number" || !Number.isFinite(opts.seed)) {
    throw new DatasetSpecError("seed", `must be a finite number, got ${String(opts.seed)}`);
  }
  const rng = createRng(opts.seed);
  const foldOf = new Int32Array(n);

  if (opts.stratified) {
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const c = y[i]!;
      if (!Number.isInteger(c) || c < 0) {
        throw new DatasetSpecError(
          "stratified",
          `needs class indices (integers ≥ 0) in y; y[${i}] = ${c}. Use stratified: false for regression`,
        );
      }
      let members = byClass.get(c);
      if (members === undefined) byClass.set(c, (members = []));
      members.push(i);
    }
    let next = 0; // continue the deal across classes so fold sizes stay within one
    for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
      const members = byClass.get(c)!;
      rng.shuffle(members);
      for (const i of members) {
        foldOf[i] = next;
        next = (next + 1) % k;
      }
    }
  } else {
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    rng.shuffle(perm);
    for (let r = 0; r < n; r++) foldOf[perm[r]!] = r % k;
  }

  const testSize = new Int32Array(k);
  for (let i = 0; i < n; i++) testSize[foldOf[i]!]!++;
  const splits: FoldSplit[] = [];
  for (let f = 0; f < k; f++) {
    const test = new Int32Array(testSize[f]!);
    const train = new Int32Array(n - testSize[f]!);
    let t = 0;
    let r = 0;
    for (let i = 0; i < n; i++) {
      if (foldOf[i] === f) test[t++] = i;
      else train[r++] = i;
    }
    splits.push({ train, test });
  }
  return splits;
}
