// Refit: a trial's configuration trained once more on all the rows of its data set, with the
// trial's seed, into a model artifact. It is the engine's own training loop (crossValidate) on a
// single split whose training part is every row, so the refit trains exactly as a fold does;
// with early stopping it holds out the same inner validation share and keeps the best epoch.
import { crossValidate, fitPreprocessor, type Backend, type Metric, type Mlp, type MlpSpec, type TrainConfig } from "@automl/nn";
import type { Dataset } from "@automl/datasets";
import { buildArtifact, type ModelArtifact, type ModelSource } from "./artifact";

export interface RefitOptions {
  seed: number;
  metric: Metric;
  /** Name of the predicted column, for the artifact (CSV: the study's target). */
  target: string;
  backend?: Backend;
  /** Provenance copied into the artifact (study, trial, CV result). */
  source?: Omit<ModelSource, "epochs" | "trainRows" | "seed" | "trainScore">;
}

/** Thrown when the refit diverges (non-finite loss or weights): there is no model to keep. */
export class RefitDivergedError extends Error {
  constructor(epoch: number) {
    super(`refit: training diverged at epoch ${epoch}; no model was written`);
    this.name = "RefitDivergedError";
  }
}

export async function refit(data: Dataset, spec: MlpSpec, train: TrainConfig, opts: RefitOptions): Promise<ModelArtifact> {
  const all = Int32Array.from({ length: data.n }, (_, i) => i);
  const categorical = (data.categorical ?? []).map((c) => c.column);
  let trained: Mlp | undefined;
  const outcome = await crossValidate(
    { X: data.X, y: data.y, n: data.n, d: data.d, categorical },
    [{ train: all, test: all }],
    spec,
    train,
    { seed: opts.seed, metric: opts.metric, surface: false, backend: opts.backend, onFoldTrained: (_f, model) => void (trained = model) },
  );
  const fold = outcome.folds[0]!;
  if (outcome.status === "diverged" || !trained) throw new RefitDivergedError(fold.divergedAtEpoch ?? fold.epochs);
  // The same statistics the fold was trained with: fitting is deterministic in the rows.
  const prep = fitPreprocessor(data.X, data.d, all, categorical);
  const levels: (string[] | undefined)[] = new Array<string[] | undefined>(data.d).fill(undefined);
  for (const c of data.categorical ?? []) levels[c.column] = c.levels;
  return buildArtifact(
    trained,
    { mean: prep.standardization.mean, std: prep.standardization.std, categories: prep.categories },
    { task: data.task, target: opts.target, featureNames: data.featureNames, levels, classNames: data.classNames },
    { ...opts.source, epochs: fold.bestEpoch ?? fold.epochs, trainRows: data.n, seed: opts.seed, trainScore: fold.score },
  );
}
