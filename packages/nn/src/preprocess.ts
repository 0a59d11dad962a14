// Per-fold preprocessing, fitted on the fold's training rows only so nothing about the
// held-out rows leaks into training: numeric columns are standardized with the training
// mean/std, categorical columns (integer codes) are one-hot encoded over the codes seen in the
// training rows. A code the training rows never showed encodes as all zeros.
//
// Encoded layout: the original column order, each categorical column replaced in place by its
// block of indicator columns (codes ascending).

import { fitStandardization, type Standardization } from "./train";

export interface Preprocessor {
  /** Raw input width. */
  d: number;
  /** Encoded width: the model's input dim. */
  width: number;
  standardization: Standardization;
  /** Per raw column: null for numeric, else the training codes in encoded order (ascending). */
  categories: (number[] | null)[];
  /** Per raw column: first encoded column it writes. */
  offsets: number[];
}

export function fitPreprocessor(X: Float32Array, d: number, rows: Int32Array, categorical: readonly number[] = []): Preprocessor {
  // Statistics of categorical columns are computed but never used: one pass keeps it simple.
  const standardization = fitStandardization(X, d, rows);
  const categories: (number[] | null)[] = new Array<number[] | null>(d).fill(null);
  for (const c of categorical) {
    const seen = new Set<number>();
    for (let r = 0; r < rows.length; r++) seen.add(X[rows[r]! * d + c]!);
    categories[c] = [...seen].sort((a, b) => a - b);
  }
  const offsets: number[] = [];
  let width = 0;
  for (let j = 0; j < d; j++) {
    offsets.push(width);
    width += categories[j]?.length ?? 1;
  }
  return { d, width, standardization, categories, offsets };
}

/** Rows of X (n×d) picked by `rows`, encoded and packed contiguously (rows.length × p.width). */
export function applyPreprocessor(p: Preprocessor, X: Float32Array, rows: Int32Array): Float32Array {
  const { d, width, categories, offsets } = p;
  const { mean, std } = p.standardization;
  const out = new Float32Array(rows.length * width);
  if (categories.every((c) => c === null)) {
    // All numeric (width = d): the same arithmetic without the per-column lookup, ~3× faster.
    for (let r = 0; r < rows.length; r++) {
      const src = rows[r]! * d;
      const dst = r * d;
      for (let j = 0; j < d; j++) out[dst + j] = (X[src + j]! - mean[j]!) / std[j]!;
    }
    return out;
  }
  // Per categorical column, code → position within its block.
  const lookup = categories.map((cats) => (cats ? new Map(cats.map((code, i) => [code, i])) : null));
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r]! * d;
    const dst = r * width;
    for (let j = 0; j < d; j++) {
      const x = X[src + j]!;
      const map = lookup[j];
      if (map) {
        const slot = map.get(x);
        if (slot !== undefined) out[dst + offsets[j]! + slot] = 1;
      } else {
        out[dst + offsets[j]!] = (x - mean[j]!) / std[j]!;
      }
    }
  }
  return out;
}

/** Every row of a packed n×d array, encoded (for points that are not rows of the data set). */
export function applyPreprocessorAll(p: Preprocessor, X: Float32Array, n: number): Float32Array {
  return applyPreprocessor(p, X, Int32Array.from({ length: n }, (_, i) => i));
}
