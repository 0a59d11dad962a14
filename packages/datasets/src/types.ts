export type DatasetTask = "binary" | "multiclass" | "regression";

export interface Dataset {
  /** n×d features, row-major. */
  X: Float32Array;
  /** Class index (as a float) for binary/multiclass; target value for regression. */
  y: Float32Array;
  n: number;
  d: number;
  task: DatasetTask;
  /** 2 for binary, K for multiclass, 0 for regression. */
  classes: number;
  featureNames: string[];
  /**
   * Columns of X that hold integer category codes 0..levels.length−1 rather than measurements.
   * Loaders never one-hot encode: the engine does it per training fold, so a level that only
   * occurs in a test fold is handled there and the dataset stays compact.
   */
  categorical?: CategoricalColumn[];
  /** Original class label for each class index (classification loaders only). */
  classNames?: string[];
}

export interface CategoricalColumn {
  /** Index of the column in X (0-based, the same index as in featureNames). */
  column: number;
  name: string;
  /** Level names; code i in X means levels[i]. */
  levels: string[];
}

export type BuiltinName = "xor" | "moons" | "circles" | "spirals";

export interface BuiltinDatasetSpec {
  builtin: BuiltinName;
  /** Number of examples; default 400. */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate; default 0.1. */
  noise?: number;
  /** Number of spiral arms (spirals only); default 3. */
  classes?: number;
}

/** Bad input to a dataset function; `field` names the offending field of the spec/options. */
export class DatasetSpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "DatasetSpecError";
  }
}
