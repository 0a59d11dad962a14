/**
 * Size limits on everything a user or a peer hands in, in one place (docs/operations.md "Limits on
 * input" table lists them). Each is checked where the input enters, with an INVALID_ARGUMENT (or a
 * DatasetSpecError) naming what is too large and the limit; none is configurable, so every
 * coordinator and worker agrees.
 */
export const LIMITS = {
  /** One gRPC message, either direction (the server refuses larger ones with RESOURCE_EXHAUSTED). */
  grpcMessageBytes: 4 * 1024 * 1024,
  /** A study file's text, in UTF-8 bytes. */
  studyFileBytes: 256 * 1024,
  /** Nesting of mappings/lists in a study file (the real schema needs 6). */
  studyFileNesting: 32,
  /** Values in a study file altogether (mappings, lists and scalars). */
  studyFileNodes: 200_000,
  /** Dimensions in `space`. */
  spaceDimensions: 64,
  /** Values in one `choice` list of the search space. */
  spaceChoices: 256,
  /** An id field of a request (trial_id, study_id, worker_id). */
  idChars: 200,
  /** A CSV dataset file, in bytes. */
  datasetBytes: 512 * 1024 * 1024,
  /** Data rows of a CSV dataset. */
  datasetRows: 10_000_000,
  /** Columns of a CSV dataset. */
  datasetColumns: 100_000,
  /** Rows × feature columns (float32 each: 1 GiB). */
  datasetCells: 256 * 1024 * 1024,
  /**
   * Compute of one trial: epochs × trainable parameters × dataset rows (about a third of its
   * multiply-adds per fold; 1e14 is roughly half an hour per fold on one CPU core's BLAS peak).
   */
  trialWork: 1e14,
  /** Compute of a whole study: the sum of its trials' work (budget.trials of them). */
  studyWork: 1e16,
} as const;
