// The per-fold work that does not depend on the trial: every trial of a study cross-validates on
// the same data and the same folds, so the scan of the inputs, each fold's fitted preprocessing
// and its encoded training and held-out rows are the same for all of them. A worker keeps one
// SharedFolds per (data set, folds) and passes it to every crossValidate of that study; the first
// run fills it, the next ones read it. Nothing about the outcome changes: the arrays are the ones a
// run would have computed (bit for bit), and training only reads them.

import { applyPreprocessor, fitPreprocessor, type Preprocessor } from "./preprocess";
import { gatherRows } from "./train";
import { NnConfigError } from "./types";

/** One fold's inputs as training sees them: encoded, standardized, packed in fold order. */
export interface EncodedFold {
  Xtrain: Float32Array;
  Xtest: Float32Array;
  ytrain: Float32Array;
  ytest: Float32Array;
}

type Split = { train: Int32Array; test: Int32Array };

/**
 * Bytes of encoded rows still allowed: one budget may be shared by several SharedFolds (a worker's
 * studies), each taking from it what it keeps and giving it back on release().
 */
export interface EncodedBudget {
  left: number;
}

/** A worker thread's default budget: about 8 copies of a 10,000 × 784 float32 data set. */
export const DEFAULT_SHARED_FOLDS_BYTES = 256 * 2 ** 20;

export class SharedFolds {
  /** Set once the inputs passed the O(n·d) checks (finite values, integer category codes). */
  inputsChecked = false;
  private preps: Preprocessor[] | null = null;
  private readonly encoded = new Map<string, EncodedFold>();
  private bytes = 0;

  /**
   * `X`, `y` and `folds`: the very arrays every run passes (checked by identity, so a cache can
   * never serve another data set). `budget`: encoded folds that do not fit are recomputed per run.
   */
  constructor(
    readonly X: Float32Array,
    readonly y: Float32Array,
    readonly folds: Split[],
    private readonly budget: EncodedBudget = { left: DEFAULT_SHARED_FOLDS_BYTES },
  ) {}

  /** Drops the encoded rows and gives their bytes back to the budget. */
  release(): void {
    this.encoded.clear();
    this.budget.left += this.bytes;
    this.bytes = 0;
  }

  /** Throws unless this run's data and folds are the ones the cache was made for. */
  assertFor(X: Float32Array, y: Float32Array, folds: readonly Split[]): void {
    if (X !== this.X || y !== this.y || folds !== this.folds) {
      throw new NnConfigError("opts.shared", "was made for other data or folds (pass the same X, y and folds arrays)");
    }
  }

  /** Each fold's preprocessing, fitted on its training rows. */
  preprocessors(d: number, categorical: readonly number[]): Preprocessor[] {
    this.preps ??= this.folds.map((f) => fitPreprocessor(this.X, d, f.train, categorical));
    return this.preps;
  }

  /** Fold `fold`'s encoded rows (`yWidth` targets per row): kept when they fit in the budget. */
  encodedFold(fold: number, prep: Preprocessor, yWidth: number): EncodedFold {
    const key = `${fold}:${yWidth}`;
    const hit = this.encoded.get(key);
    if (hit) return hit;
    const e = encodeFold(this.X, this.y, this.folds[fold]!, prep, yWidth);
    const size = e.Xtrain.byteLength + e.Xtest.byteLength + e.ytrain.byteLength + e.ytest.byteLength;
    if (size <= this.budget.left) {
      this.encoded.set(key, e);
      this.bytes += size;
      this.budget.left -= size;
    }
    return e;
  }
}

/** A fold's rows encoded with its preprocessing and packed (what each run computes without a cache). */
export function encodeFold(X: Float32Array, y: Float32Array, split: Split, prep: Preprocessor, yWidth: number): EncodedFold {
  const ytrain = new Float32Array(split.train.length * yWidth);
  gatherRows(y, yWidth, split.train, 0, split.train.length, ytrain);
  const ytest = new Float32Array(split.test.length * yWidth);
  gatherRows(y, yWidth, split.test, 0, split.test.length, ytest);
  return { Xtrain: applyPreprocessor(prep, X, split.train), Xtest: applyPreprocessor(prep, X, split.test), ytrain, ytest };
}
