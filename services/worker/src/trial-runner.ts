import { generateDataset, kFoldSplits, type Dataset } from "@automl/datasets";
import { crossValidate, type CvOutcome, type EpochReport, type Metric, type MlpSpec, type Activation, type Task } from "@automl/nn";
import type { TrialSpec } from "@automl/proto";

/** Datasets are regenerated from their reference, and kept while trials of the same study arrive. */
const cache = new Map<string, { data: Dataset; folds: Map<string, { train: Int32Array; test: Int32Array }[]> }>();
const CACHE_LIMIT = 8;

function loadDataset(spec: TrialSpec): { data: Dataset; folds: { train: Int32Array; test: Int32Array }[] } {
  const ref = spec.dataset;
  if (!ref?.builtin) throw new Error("dataset: a builtin dataset reference is required");
  const dataKey = JSON.stringify([ref.builtin, ref.n, ref.noise, ref.classes, spec.seed]);
  let entry = cache.get(dataKey);
  if (!entry) {
    const data = generateDataset(
      { builtin: ref.builtin as "xor", n: ref.n || undefined, noise: ref.noise, classes: ref.classes || undefined },
      spec.seed,
    );
    entry = { data, folds: new Map() };
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(dataKey, entry);
  }
  // The folds depend only on the study (seed, k, stratification): every trial of a study is paired on them.
  const foldKey = `${spec.folds}:${spec.stratified}`;
  let folds = entry.folds.get(foldKey);
  if (!folds) {
    folds = kFoldSplits(entry.data.y, spec.folds, { stratified: spec.stratified, seed: spec.seed });
    entry.folds.set(foldKey, folds);
  }
  return { data: entry.data, folds };
}

/** Trains and cross-validates one trial with the engine. Throws only for a spec the engine cannot run. */
export async function runTrial(spec: TrialSpec, onEpoch: (fold: number, r: EpochReport) => Promise<"continue" | "stop">): Promise<CvOutcome> {
  const { data, folds } = loadDataset(spec);
  const task = spec.task as Task;
  const mlp: MlpSpec = {
    inputDim: data.d,
    hidden: spec.widths,
    activation: spec.activation as Activation,
    task,
    outputDim: task === "multiclass" ? data.classes : 1,
  };
  return crossValidate(
    data,
    folds,
    mlp,
    { learningRate: spec.learningRate, batchSize: spec.batchSize, epochs: spec.epochs },
    { seed: spec.trialSeed, metric: spec.metric as Metric, onEpoch },
  );
}
