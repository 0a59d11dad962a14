import {
  generateDataset,
  kFoldSplits,
  loadBuiltinFile,
  loadCsv,
  stratifiedSubset,
  type BuiltinDatasetSpec,
  type BuiltinFileName,
  type Dataset,
} from "@automl/datasets";
import { crossValidate, DEFAULT_SHARED_FOLDS_BYTES, SharedFolds, type Activation, type BackendChoice, type CvOutcome, type EpochReport, type Metric, type MlpSpec, type OutputUnit, type Task, type TrainConfig } from "@automl/nn";
import { refit, type ModelArtifact, type RefitOptions } from "@automl/model";
import type { DatasetRef, TrialSpec } from "@automl/proto";
import { availableBackendsFor, backendFor } from "./backend-choice";
import { EpochBatches, type EpochItem, type EpochSink } from "./epoch-batches";
import { checkpointOptions, type TrialCheckpointing } from "./checkpoints";

const SYNTHETIC = new Set(["xor", "moons", "circles", "spirals"]);

/**
 * Datasets are loaded from their reference and kept while trials of the same study arrive, with
 * their folds and the engine's per-fold work on them (SharedFolds: checks, preprocessing, encoded
 * rows), which every trial of the study would otherwise redo.
 */
const cache = new Map<string, { data: Dataset; folds: Map<string, SharedFolds> }>();
const CACHE_LIMIT = 4;
/** Encoded fold rows this thread keeps in all, over every cached study (about 8× a 10,000-image Fashion-MNIST subset). */
const encodedBudget = { left: DEFAULT_SHARED_FOLDS_BYTES };

function load(ref: DatasetRef, task: Task, seed: number): Dataset {
  if (SYNTHETIC.has(ref.builtin)) {
    return generateDataset(
      { builtin: ref.builtin as BuiltinDatasetSpec["builtin"], n: ref.n || undefined, noise: ref.noise, classes: ref.classes || undefined },
      seed,
    );
  }
  if (ref.builtin) {
    return loadBuiltinFile(ref.builtin as BuiltinFileName, { split: ref.split === "test" ? "test" : "train", n: ref.n || undefined, seed });
  }
  if (!ref.path) throw new Error("dataset: the trial names no builtin dataset and no readable file (an uploaded dataset must be fetched first)");
  // Errors may quote the file only when it is an uploaded dataset (its uploader has it, its hash was checked).
  const ds = loadCsv(ref.path, { target: ref.target, task, categorical: ref.categorical, showContent: Boolean(ref.contentHash) });
  return ref.n && ref.n < ds.n && task !== "regression" ? stratifiedSubset(ds, ref.n, seed) : ds;
}

/** The trial's data set and its study's folds (shared.folds), with the per-fold work shared by its trials. */
function loadWithFolds(spec: TrialSpec): { data: Dataset; shared: SharedFolds } {
  const ref = spec.dataset;
  if (!ref) throw new Error("dataset: missing from the trial");
  const task = spec.task as Task;
  const key = JSON.stringify([ref, task, spec.seed]);
  let entry = cache.get(key);
  if (!entry) {
    entry = { data: load(ref, task, spec.seed), folds: new Map() };
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next().value!;
      for (const shared of cache.get(oldest)!.folds.values()) shared.release();
      cache.delete(oldest);
    }
    cache.set(key, entry);
  }
  // The folds depend only on the study (seed, k, stratification): every trial of a study is paired on them.
  const foldKey = `${spec.folds}:${spec.stratified}`;
  let shared = entry.folds.get(foldKey);
  if (!shared) {
    const folds = kFoldSplits(entry.data.y, spec.folds, { stratified: spec.stratified && task !== "regression", seed: spec.seed });
    shared = new SharedFolds(entry.data.X, entry.data.y, folds, encodedBudget);
    entry.folds.set(foldKey, shared);
  }
  return { data: entry.data, shared };
}

/** The engine's network and training configuration for a trial. */
export function engineConfig(spec: TrialSpec, data: Dataset): { mlp: MlpSpec; train: TrainConfig } {
  const task = spec.task as Task;
  const mlp: MlpSpec = {
    inputDim: data.d,
    hidden: spec.widths,
    activation: (spec.activations.length ? spec.activations : spec.activation) as Activation | Activation[],
    task,
    outputDim: task === "multiclass" ? data.classes : 1,
    output: (spec.output || undefined) as OutputUnit | undefined,
    leakyAlpha: spec.leakyAlpha || undefined,
    maxoutPieces: spec.maxoutPieces || undefined,
  };
  const extra = (spec.trainingJson ? JSON.parse(spec.trainingJson) : {}) as Omit<TrainConfig, "learningRate" | "batchSize" | "epochs">;
  return { mlp, train: { ...extra, learningRate: spec.learningRate, batchSize: spec.batchSize, epochs: spec.epochs } };
}

/**
 * Tests only (AUTOML_TEST_MIN_EPOCH_MS): makes every epoch last at least `minEpochMs`, waiting
 * out the rest once the engine is done with it, so that a test can act on a worker mid-trial
 * however fast the engine trains. The outcome is the same; only the clock changes.
 */
function epochPacer(minEpochMs: number): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const left = minEpochMs - (performance.now() - last);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    last = performance.now();
  };
}

export interface RunTrialOptions {
  /** The AUTOML_BACKEND choice (default auto). */
  backend?: BackendChoice;
  /** Stops training at the next epoch. */
  abort?: AbortSignal;
  checkpoint?: TrialCheckpointing;
  /** Tests only (AUTOML_TEST_MIN_EPOCH_MS): see epochPacer. */
  minEpochMs?: number;
}

/**
 * Trains and cross-validates one trial with the engine. Throws only for a spec the engine cannot run.
 * Epochs go to `sink` in batches (epoch-batches.ts); every report is answered before this returns.
 */
export async function runTrial(spec: TrialSpec, sink: EpochSink, opts: RunTrialOptions = {}): Promise<CvOutcome> {
  const { backend: backendChoice = "auto", abort, checkpoint: ckpt, minEpochMs = 0 } = opts;
  const { data, shared } = loadWithFolds(spec);
  const folds = shared.folds;
  const { mlp, train } = engineConfig(spec, data);
  const backend = backendFor(backendChoice, mlp, train.batchSize, await availableBackendsFor(backendChoice));
  const batches = new EpochBatches(spec, sink);
  // Dropped by the pool (its study was cancelled) while sharing a thread: stop at the next epoch.
  abort?.addEventListener("abort", () => batches.stop(), { once: true });
  // Every epoch the engine produced, for the checkpoints: a resumed attempt reports them again.
  const produced: EpochItem[] = [];
  const resume = ckpt?.resume;
  if (resume) {
    produced.push(...resume.reported);
    if (produced.length && (await sink([...produced], true)) === "stop") batches.stop();
  }
  // A checkpoint taken for a shutdown ends the trial at its next epoch (the worker hands it back).
  const checkpointing = ckpt && !spec.cvInterleave ? checkpointOptions({ ...ckpt, onNowSaved: () => batches.stop() }, produced) : {};
  const pace = minEpochMs > 0 ? epochPacer(minEpochMs) : null;
  const onEpoch = (fold: number, report: EpochReport) => {
    const item = { fold, report, samples: folds[fold]?.train.length ?? 0 };
    if (ckpt) produced.push(item);
    return batches.onEpoch(item);
  };
  let outcome: CvOutcome;
  try {
    outcome = await crossValidate(
      { X: data.X, y: data.y, n: data.n, d: data.d, categorical: data.categorical?.map((c) => c.column) },
      folds,
      mlp,
      train,
      {
        seed: spec.trialSeed,
        metric: spec.metric as Metric,
        onEpoch: pace ? async (fold, report) => (await pace(), onEpoch(fold, report)) : onEpoch,
        backend,
        shared,
        ...(spec.cvInterleave ? { interleave: true } : {}),
        ...checkpointing,
      },
    );
  } catch (err) {
    await batches.flush().catch(() => {}); // the training error is the one to surface
    throw err;
  }
  await batches.flush();
  return outcome;
}

/**
 * Trains a trial's configuration once more on every row of its data set (same data, seed and
 * engine as its folds) and returns the model artifact. `source` is the provenance to record.
 */
export async function refitTrial(spec: TrialSpec, backendChoice: BackendChoice = "auto", source: RefitOptions["source"] = {}): Promise<ModelArtifact> {
  const { data } = loadWithFolds(spec);
  const { mlp, train } = engineConfig(spec, data);
  const backend = backendFor(backendChoice, mlp, train.batchSize, await availableBackendsFor(backendChoice));
  const target = spec.dataset?.target || "label";
  return refit(data, mlp, train, { seed: spec.trialSeed, metric: spec.metric as Metric, target, backend, source });
}
