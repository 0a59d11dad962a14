import { createRng, type Rng } from "@automl/common/core";
import type { Backend, BackendName, TrainingSession } from "./backend";
import { jsBackend } from "./backends/js";
import { DiagnosticsTracker, type EpochDiagnostics } from "./diagnostics";
import type { FloatArray } from "./kernels/float";
import { evaluateMetric, evaluateMetrics, METRICS, metricFitsTask, type Metric } from "./metrics";
import { MlpModel, validateMlpSpec, validateTargets } from "./mlp";
import { learningRateAt } from "./optimizer";
import { fitPreprocessor, type Preprocessor } from "./preprocess";
import { encodeFold, type SharedFolds } from "./shared-folds";
import { mlpParamCount } from "./spec";
import { decisionSurface, type DecisionSurface } from "./surface";
import { gatherRows, validateTrainConfig, type TrainConfig } from "./train";
import { NnConfigError, type Mlp, type MlpSpec } from "./types";

export { mlpParamCount };

export interface EpochReport {
  /** 1-based. */
  epoch: number;
  /** Mean of the minibatch losses seen during the epoch (each taken before its update). */
  trainLoss: number;
  /** Mean loss on the fold's held-out part after the epoch. */
  validLoss: number;
  /** The objective metric on the fold's held-out part after the epoch. */
  validMetric: number;
  /** The learning rate of the epoch's steps (after the schedule). */
  learningRate: number;
  /** Mean loss on the inner validation split after the epoch; only with train.earlyStopping. */
  innerValidLoss?: number;
  diagnostics: EpochDiagnostics;
}

export type EpochDecision = "continue" | "stop";

export interface FoldOutcome {
  /** 0-based index into the folds array. */
  fold: number;
  status: "completed" | "diverged" | "stopped";
  /** Metric on the held-out part for the fold's final model; NaN if diverged. */
  score: number;
  /** Held-out loss of the final model; for a diverged fold, the non-finite loss seen. */
  loss: number;
  /** Epochs run, counting the one that diverged or was stopped after. */
  epochs: number;
  divergedAtEpoch?: number;
  /**
   * Every metric of the task on the held-out part for the final model: accuracy and logloss
   * (classification), f1 and auc (binary), mse and r2 (regression). Empty if diverged.
   */
  metrics: Record<string, number>;
  /** The model's input width after one-hot encoding (= data.d without categorical columns). */
  inputDim: number;
  /** Parameters of this fold's model (its input width can differ between folds). */
  paramCount: number;
  /** With train.earlyStopping: true when patience ran out before train.epochs. */
  stoppedEarly?: boolean;
  /** With train.earlyStopping: the epoch whose weights the final model has (best inner-validation loss). */
  bestEpoch?: number;
}

export interface CvOutcome {
  status: "completed" | "diverged" | "stopped";
  /** The folds run, in order; a stopped or diverged run ends with the fold that ended it. */
  folds: FoldOutcome[];
  /** Mean of the folds' scores; NaN if diverged. */
  mean: number;
  /** Sample standard deviation (n − 1) of the folds' scores; NaN if diverged or under 2 folds. */
  std: number;
  /** Parameters of fold 0's model (folds differ only if their training parts see different categories). */
  paramCount: number;
  divergedAt?: { fold: number; epoch: number };
  /** For 2-D numeric inputs: fold 0's final model on a 64×64 grid (absent if fold 0 diverged). */
  surface?: DecisionSurface;
  /** The backend that trained the folds. */
  backend: BackendName;
}

export interface CvData {
  /** n×d, row-major. */
  X: Float32Array;
  /** n labels (binary/multiclass) or n×outputDim targets (regression). */
  y: Float32Array;
  n: number;
  d: number;
  /**
   * Columns holding integer category codes, one-hot encoded per fold (training codes only):
   * column indices, or @automl/datasets' CategoricalColumn objects (only `column` is read), so
   * a loaded Dataset can be passed as it is.
   */
  categorical?: readonly (number | { column: number })[];
}

/** The categorical column indices of `data`, whichever form they were given in. */
function categoricalColumns(data: CvData): number[] {
  return (data.categorical ?? []).map((c) => (typeof c === "number" ? c : c?.column));
}

export interface CvOptions {
  seed: number;
  metric: Metric;
  /**
   * Compute CvOutcome.surface for 2-D numeric data (default true). It costs one forward pass
   * over 64² grid points, once per run.
   */
  surface?: boolean;
  /** Called after every epoch of every fold (fold is 0-based); "stop" ends CV as "stopped". */
  onEpoch?: (fold: number, r: EpochReport) => Promise<EpochDecision> | EpochDecision;
  /**
   * Called once per fold with its final model (best weights restored under early stopping;
   * possibly non-finite for a diverged fold), which takes the fold's encoded, standardized
   * inputs. Lets outside tools inspect or export trained weights.
   */
  onFoldTrained?: (fold: number, model: Mlp, outcome: FoldOutcome) => Promise<void> | void;
  /**
   * Train the folds side by side, epoch by epoch (default false: one fold after another). Every
   * running fold finishes epoch e before onEpoch hears of it; onEpoch is then called for each of
   * them in fold order, so a caller can take the mean over folds at epoch e as its pruning signal,
   * and a "stop" for any fold ends them all. Each fold trains exactly as it would alone (its own
   * model, streams and data), so the fold scores equal the sequential run's.
   */
  interleave?: boolean;
  /**
   * Checkpoints (sequential folds only): `due(fold, epoch)` is asked after every epoch that
   * another epoch of the same fold follows, and after every finished fold but the last; `save`
   * gets the whole state when it says yes (no weights after a finished fold). A run resumed from the
   * last state saved (`resume`) ends with exactly the outcome of an uninterrupted run when the
   * backend is deterministic (js); onEpoch hears only the epochs after the checkpoint, and
   * onFoldTrained only the folds trained in this run.
   */
  checkpoint?: { due(fold: number, epoch: number): boolean; save(state: CvCheckpoint): Promise<void> | void };
  /** A state a previous run saved through `checkpoint` (same data, folds, spec, train, seed). */
  resume?: CvCheckpoint;
  /**
   * Where training and evaluation run; default the TypeScript backend. Injected (see
   * backend.ts) so the engine never loads native code itself; selectBackend picks one.
   */
  backend?: Backend;
  /**
   * The input checks, fitted preprocessing and encoded fold rows shared with other runs on the
   * same data and folds (shared-folds.ts): a worker passes one per study so that only its first
   * trial pays for them. The outcome is the same with or without it.
   */
  shared?: SharedFolds;
}

type Split = { train: Int32Array; test: Int32Array };

/** A fold stopped between two epochs: everything its next epoch depends on. */
export interface FoldCheckpoint {
  fold: number;
  /** Epochs done (the next one is epoch + 1). */
  epoch: number;
  params: Float32Array[];
  /** Momentum buffers; null without momentum. */
  velocity: Float32Array[] | null;
  /** The epoch-order stream's position and the order it last produced (shuffled in place). */
  orderRng: number[];
  order: Int32Array;
  /** Early stopping: the best inner-validation loss so far, its epoch and weights. */
  best: number;
  bestEpoch: number;
  bestParams: Float32Array[] | null;
}

/** Where a cross validation stood: the finished folds, and the running one if any. */
export interface CvCheckpoint {
  done: FoldOutcome[];
  surface?: DecisionSurface;
  current?: FoldCheckpoint;
}

/** What trainFold needs to checkpoint and resume one fold. */
interface FoldCheckpointing {
  due(fold: number, epoch: number): boolean;
  save(current: FoldCheckpoint): Promise<void> | void;
  start?: FoldCheckpoint;
}

// Compute slice between event-loop turns: comfortably under the ~50 ms callers may rely on.
const SLICE_MS = 25;
const EVAL_CHUNK = 256;

/** Keeps long synchronous compute from starving the caller's timers (heartbeats). */
class Pacer {
  private last = performance.now();
  due(): boolean {
    return performance.now() - this.last >= SLICE_MS;
  }
  async yield(): Promise<void> {
    // setImmediate lets timers and I/O run; setTimeout where it is missing (browsers).
    await new Promise<void>((resolve) =>
      typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0),
    );
    this.last = performance.now();
  }
  async maybeYield(): Promise<void> {
    if (this.due()) await this.yield();
  }
}

/** Rows of a fold's training part held out for early stopping: round(fraction·n), at least 1. */
function innerValidationSize(nTrain: number, fraction: number): number {
  return Math.max(1, Math.round(fraction * nTrain));
}

/**
 * k-fold cross validation of `spec` trained by minibatch SGD. Per fold: numeric features
 * standardized and categorical ones one-hot encoded with the training part's statistics, a
 * fresh model initialized from a seed derived from (opts.seed, fold), training order reshuffled
 * every epoch from another derived stream (and an early-stopping split from a third); so the
 * whole outcome is a function of the inputs. A non-finite loss, metric or parameter ends the run
 * as "diverged" (reported, not thrown). Invalid arguments throw NnConfigError before training.
 */
export async function crossValidate(
  data: CvData,
  folds: Split[],
  spec: MlpSpec,
  train: TrainConfig,
  opts: CvOptions,
): Promise<CvOutcome> {
  validateMlpSpec(spec);
  validateTrainConfig(train);
  opts.shared?.assertFor(data.X, data.y, folds);
  validateCvInput(data, folds, spec, train, opts);

  // Fitting is O(n·d) per fold; doing it up front fixes paramCount before any training.
  const categorical = categoricalColumns(data);
  const preps = opts.shared
    ? opts.shared.preprocessors(data.d, categorical)
    : folds.map((f) => fitPreprocessor(data.X, data.d, f.train, categorical));
  const paramCount = mlpParamCount({ ...spec, inputDim: preps[0]!.width });
  const root = createRng(opts.seed);
  const pacer = new Pacer();
  const outcomes: FoldOutcome[] = [];
  let surface: DecisionSurface | undefined;
  const wantSurface = opts.surface !== false && data.d === 2 && categorical.length === 0;
  const backend = opts.backend ?? jsBackend;
  if (opts.interleave) {
    if (opts.checkpoint || opts.resume) throw new NnConfigError("checkpoint", "checkpoints need sequential folds (not interleave)");
    return interleaved(data, folds, preps, spec, train, opts, root, pacer, backend, paramCount, wantSurface);
  }
  const resume = opts.resume;
  if (resume) {
    checkResume(resume, folds.length);
    outcomes.push(...resume.done);
    surface = resume.surface;
  }
  const checkpoint = opts.checkpoint;
  for (let f = outcomes.length; f < folds.length; f++) {
    const foldRng = root.fork(f);
    const start = resume?.current?.fold === f ? resume.current : undefined;
    const ckpt: FoldCheckpointing | undefined = checkpoint
      ? { due: (fold, epoch) => checkpoint.due(fold, epoch), save: (current) => checkpoint.save({ done: [...outcomes], ...(surface ? { surface } : {}), current }), start }
      : start && { due: () => false, save: () => {}, start };
    const { outcome, model } = await runFold(data, folds[f]!, f, preps[f]!, spec, train, opts, foldRng, pacer, backend, ckpt);
    outcomes.push(outcome);
    // Before handing the model out, so the caller cannot change what the surface shows.
    if (f === 0 && wantSurface && outcome.status !== "diverged") {
      surface = await decisionSurface(model, preps[0]!, data.X, data.n, undefined, () => pacer.maybeYield());
    }
    if (opts.onFoldTrained) await opts.onFoldTrained(f, model, outcome);
    if (checkpoint && outcome.status === "completed" && f + 1 < folds.length && checkpoint.due(f, outcome.epochs)) {
      await checkpoint.save({ done: [...outcomes], ...(surface ? { surface } : {}) });
    }
    if (outcome.status === "diverged") {
      return {
        status: "diverged",
        folds: outcomes,
        mean: NaN,
        std: NaN,
        paramCount,
        divergedAt: { fold: f, epoch: outcome.divergedAtEpoch! },
        ...(surface ? { surface } : {}),
        backend: backend.name,
      };
    }
    if (outcome.status === "stopped") return summarize("stopped", outcomes, paramCount, surface, backend.name);
  }
  return summarize("completed", outcomes, paramCount, surface, backend.name);
}

/**
 * The folds of crossValidate trained concurrently with a barrier at every epoch: a fold's
 * onEpoch waits until every fold still running has reported the same epoch, then the caller's
 * onEpoch hears them in fold order. A fold that ends (completed, diverged, early-stopped) leaves
 * the barrier; a divergence or a "stop" stops the others at their next epoch.
 */
async function interleaved(
  data: CvData,
  folds: Split[],
  preps: Preprocessor[],
  spec: MlpSpec,
  train: TrainConfig,
  opts: CvOptions,
  root: Rng,
  pacer: Pacer,
  backend: Backend,
  paramCount: number,
  wantSurface: boolean,
): Promise<CvOutcome> {
  const active = new Set(folds.map((_, f) => f));
  let waiting: { fold: number; report: EpochReport; resolve: (d: EpochDecision) => void }[] = [];
  let stopAll = false;
  // Releases the barrier once every active fold waits at it: the caller's onEpoch in fold order.
  const release = async () => {
    if (waiting.length === 0 || waiting.length < active.size) return;
    const batch = waiting.sort((a, b) => a.fold - b.fold);
    waiting = [];
    for (const w of batch) if (!stopAll && opts.onEpoch && (await opts.onEpoch(w.fold, w.report)) === "stop") stopAll = true;
    for (const w of batch) w.resolve(stopAll ? "stop" : "continue");
  };
  const foldOpts: CvOptions = {
    ...opts,
    onEpoch: (fold, report) =>
      new Promise<EpochDecision>((resolve) => {
        waiting.push({ fold, report, resolve });
        void release();
      }),
  };
  const results = await Promise.all(
    folds.map(async (split, f) => {
      try {
        const r = await runFold(data, split, f, preps[f]!, spec, train, foldOpts, root.fork(f), pacer, backend);
        if (r.outcome.status === "diverged") stopAll = true;
        return r;
      } finally {
        active.delete(f);
        await release();
      }
    }),
  );
  const outcomes = results.map((r) => r.outcome);
  let surface: DecisionSurface | undefined;
  if (wantSurface && outcomes[0]!.status !== "diverged") {
    surface = await decisionSurface(results[0]!.model, preps[0]!, data.X, data.n, undefined, () => pacer.maybeYield());
  }
  if (opts.onFoldTrained) for (const [f, r] of results.entries()) await opts.onFoldTrained(f, r.model, r.outcome);
  const firstDiverged = outcomes.find((o) => o.status === "diverged");
  if (firstDiverged) {
    return {
      status: "diverged",
      folds: outcomes,
      mean: NaN,
      std: NaN,
      paramCount,
      divergedAt: { fold: firstDiverged.fold, epoch: firstDiverged.divergedAtEpoch! },
      ...(surface ? { surface } : {}),
      backend: backend.name,
    };
  }
  return summarize(outcomes.some((o) => o.status === "stopped") ? "stopped" : "completed", outcomes, paramCount, surface, backend.name);
}

function summarize(
  status: "completed" | "stopped",
  folds: FoldOutcome[],
  paramCount: number,
  surface: DecisionSurface | undefined,
  backend: BackendName,
): CvOutcome {
  const scores = folds.map((f) => f.score);
  const mean = scores.reduce((s, x) => s + x, 0) / scores.length;
  const std =
    scores.length < 2 ? NaN : Math.sqrt(scores.reduce((s, x) => s + (x - mean) * (x - mean), 0) / (scores.length - 1));
  return { status, folds, mean, std, paramCount, ...(surface ? { surface } : {}), backend };
}

/** Rows `rows` (indices into the packed X/y) copied into fresh packed arrays. */
function pick(X: Float32Array, width: number, y: Float32Array, yWidth: number, rows: Int32Array) {
  const Xo = new Float32Array(rows.length * width);
  const yo = new Float32Array(rows.length * yWidth);
  gatherRows(X, width, rows, 0, rows.length, Xo);
  gatherRows(y, yWidth, rows, 0, rows.length, yo);
  return { X: Xo, y: yo, n: rows.length };
}

async function runFold(
  data: CvData,
  split: Split,
  fold: number,
  prep: Preprocessor,
  spec: MlpSpec,
  train: TrainConfig,
  opts: CvOptions,
  foldRng: Rng,
  pacer: Pacer,
  backend: Backend,
  ckpt?: FoldCheckpointing,
): Promise<{ outcome: FoldOutcome; model: MlpModel }> {
  const model = new MlpModel(
    { ...spec, inputDim: prep.width },
    foldRng.fork(0).int(2 ** 32), // stream 0 seeds the initial weights
    { init: train.init },
  );
  const session = backend.createSession(model, {
    momentum: train.momentum,
    weightDecay: train.weightDecay,
    clipNorm: train.clipNorm,
  });
  try {
    return await trainFold(data, split, fold, prep, spec, train, opts, foldRng, pacer, model, session, ckpt);
  } finally {
    session.dispose();
  }
}

async function trainFold(
  data: CvData,
  split: Split,
  fold: number,
  prep: Preprocessor,
  spec: MlpSpec,
  train: TrainConfig,
  opts: CvOptions,
  foldRng: Rng,
  pacer: Pacer,
  model: MlpModel,
  session: TrainingSession,
  ckpt?: FoldCheckpointing,
): Promise<{ outcome: FoldOutcome; model: MlpModel }> {
  const width = prep.width;
  const yWidth = spec.task === "regression" ? spec.outputDim : 1;
  // Read only from here on: with opts.shared these arrays serve the study's next trials too.
  const { Xtrain, Xtest, ytrain, ytest } = opts.shared?.encodedFold(fold, prep, yWidth) ?? encodeFold(data.X, data.y, split, prep, yWidth);

  // Early stopping carves its inner validation rows out of the training part (stream 2), so
  // the held-out part stays untouched until the final score.
  const es = train.earlyStopping;
  let fit = { X: Xtrain, y: ytrain, n: split.train.length };
  let inner: { X: Float32Array; y: Float32Array; n: number } | null = null;
  if (es) {
    const perm = Int32Array.from({ length: fit.n }, (_, i) => i);
    foldRng.fork(2).shuffle(perm);
    const nVal = innerValidationSize(fit.n, es.validationFraction);
    inner = pick(Xtrain, width, ytrain, yWidth, perm.subarray(0, nVal));
    fit = pick(Xtrain, width, ytrain, yWidth, perm.subarray(nVal));
  }

  // Stream 1 orders the epochs (stream 0 seeded the weights in runFold).
  const orderRng = foldRng.fork(1);
  const diagnostics = new DiagnosticsTracker(model, session);

  const nFit = fit.n;
  const nTest = split.test.length;
  const order = Int32Array.from({ length: nFit }, (_, i) => i);
  const bs = Math.min(train.batchSize, nFit);
  const Xb = new Float32Array(bs * width);
  const yb = new Float32Array(bs * yWidth);
  const outputs = new Float32Array(nTest * spec.outputDim);
  const base = { fold, inputDim: width, paramCount: model.paramCount };
  const diverged = (epoch: number, loss: number): { outcome: FoldOutcome; model: MlpModel } => ({
    outcome: { ...base, status: "diverged", score: NaN, loss, epochs: epoch, divergedAtEpoch: epoch, metrics: {} },
    model,
  });
  const finish = (status: "completed" | "stopped", score: number, loss: number, epochs: number, extra: Partial<FoldOutcome>) => ({
    outcome: { ...base, status, score, loss, epochs, metrics: evaluateMetrics(outputs, ytest, nTest, spec.task), ...extra },
    model,
  });

  let best = Infinity;
  let bestEpoch = 0;
  const bestParams = es ? model.copyParams() : null;
  let validLoss = NaN;
  let validMetric = NaN;
  let epoch = 1;
  // Checkpoints need the momentum buffers when there is momentum; a session that keeps them to
  // itself (device-resident) is not checkpointed then.
  const velocity = session.momentumBuffers ? session.momentumBuffers() : (train.momentum ?? 0) > 0 ? undefined : null;
  const start = ckpt?.start;
  if (start) {
    restoreFold(start, model, velocity, bestParams);
    session.pushParams?.();
    orderRng.loadState(start.orderRng);
    order.set(start.order);
    best = start.best;
    bestEpoch = start.bestEpoch;
    epoch = start.epoch + 1;
  }
  for (; epoch <= train.epochs; epoch++) {
    const learningRate = learningRateAt(train, epoch);
    diagnostics.beginEpoch();
    orderRng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < nFit; start += bs) {
      const B = Math.min(bs, nFit - start);
      let loss: number;
      if (session.stepRows) {
        loss = session.stepRows(fit.X, fit.y, order, start, B, learningRate);
      } else {
        gatherRows(fit.X, width, order, start, B, Xb);
        gatherRows(fit.y, yWidth, order, start, B, yb);
        loss = session.step(Xb, yb, B, learningRate);
      }
      if (!Number.isFinite(loss)) return diverged(epoch, loss);
      diagnostics.observeStep(session.sqNorms, B);
      lossSum += loss * B;
      if (pacer.due()) await pacer.yield(); // no await (and no promise) on most steps
    }
    // Device-resident parameters (cuda) come back once per epoch, for the checks and copies below.
    session.pullParams?.();
    // A step can overflow the weights without the loss having seen it yet.
    if (!model.paramsFinite()) return diverged(epoch, NaN);

    validLoss = await evaluateInto(session, model.spec.outputDim, Xtest, ytest, nTest, width, yWidth, outputs, pacer);
    if (!Number.isFinite(validLoss)) return diverged(epoch, validLoss);
    validMetric = evaluateMetric(opts.metric, outputs, ytest, nTest, spec.task);
    if (!Number.isFinite(validMetric)) return diverged(epoch, validLoss);

    let innerValidLoss: number | undefined;
    if (inner) {
      innerValidLoss = await evaluateInto(session, model.spec.outputDim, inner.X, inner.y, inner.n, width, yWidth, null, pacer);
      if (!Number.isFinite(innerValidLoss)) return diverged(epoch, innerValidLoss);
      if (innerValidLoss < best) {
        best = innerValidLoss;
        bestEpoch = epoch;
        model.params.forEach((p, i) => bestParams![i]!.set(p.data));
      }
    }

    const report: EpochReport = {
      epoch,
      trainLoss: lossSum / nFit,
      validLoss,
      validMetric,
      learningRate,
      ...(innerValidLoss !== undefined ? { innerValidLoss } : {}),
      diagnostics: diagnostics.endEpoch(),
    };
    if (opts.onEpoch) {
      const decision = await opts.onEpoch(fold, report);
      if (decision === "stop") return finish("stopped", validMetric, validLoss, epoch, es ? { stoppedEarly: false } : {});
    }
    if (es && epoch - bestEpoch >= es.patience) break;
    if (ckpt && velocity !== undefined && epoch < train.epochs && ckpt.due(fold, epoch)) {
      await ckpt.save({
        fold,
        epoch,
        params: model.params.map((p) => p.data.slice()),
        velocity: velocity && velocity.map((v) => v.slice()),
        orderRng: orderRng.saveState(),
        order: order.slice(),
        best,
        bestEpoch,
        bestParams: bestParams && bestParams.map((p) => p.slice()),
      });
    }
  }

  if (!es) return finish("completed", validMetric, validLoss, train.epochs, {});
  // The loop leaves epoch at the epoch it broke after, or at train.epochs + 1 when it ran out.
  const epochsRun = Math.min(epoch, train.epochs);
  const stoppedEarly = epoch < train.epochs;
  if (bestEpoch !== epochsRun) {
    // The final model is the best one on the inner validation split, scored afresh.
    model.restoreParams(bestParams!);
    session.pushParams?.();
    validLoss = await evaluateInto(session, model.spec.outputDim, Xtest, ytest, nTest, width, yWidth, outputs, pacer);
    validMetric = evaluateMetric(opts.metric, outputs, ytest, nTest, spec.task);
  }
  return finish("completed", validMetric, validLoss, epochsRun, { stoppedEarly, bestEpoch });
}

/** Validates a resume state against the run: fold count and finished folds. */
function checkResume(r: CvCheckpoint, folds: number): void {
  if (!r || !Array.isArray(r.done) || r.done.length > folds || r.done.some((o, i) => o.fold !== i || o.status !== "completed")) {
    throw new NnConfigError("resume", "is not a checkpoint of this run (finished folds do not match)");
  }
  if (r.current && r.current.fold !== r.done.length) throw new NnConfigError("resume.current.fold", `expected fold ${r.done.length}, got ${r.current.fold}`);
}

/** Writes a fold checkpoint's tensors into the model, momentum and best-weights buffers. */
function restoreFold(cp: FoldCheckpoint, model: MlpModel, velocity: Float32Array[] | null | undefined, bestParams: Float32Array[] | null): void {
  const fits = (src: readonly Float32Array[] | null, dst: readonly { length: number }[] | null | undefined) =>
    src === null ? dst === null || dst === undefined : Array.isArray(src) && !!dst && src.length === dst.length && src.every((t, i) => t.length === dst[i]!.length);
  if (!fits(cp.params, model.params.map((p) => p.data)) || !fits(cp.velocity, velocity) || !fits(cp.bestParams, bestParams) || cp.order.length === 0) {
    throw new NnConfigError("resume.current", "does not fit this model (shapes differ)");
  }
  model.params.forEach((p, i) => p.data.set(cp.params[i]!));
  velocity?.forEach((v, i) => v.set(cp.velocity![i]!));
  bestParams?.forEach((b, i) => b.set(cp.bestParams![i]!));
}

/**
 * Mean loss over n packed rows; writes every row's output-unit values into `outputs` unless it
 * is null. Chunked to bound memory and to let the pacer yield.
 */
async function evaluateInto(
  session: TrainingSession,
  D: number,
  X: Float32Array,
  y: Float32Array,
  n: number,
  width: number,
  yWidth: number,
  outputs: FloatArray | null,
  pacer: Pacer,
): Promise<number> {
  let lossSum = 0;
  for (let start = 0; start < n; start += EVAL_CHUNK) {
    const B = Math.min(EVAL_CHUNK, n - start);
    const out = session.forward(X.subarray(start * width, (start + B) * width), B);
    if (outputs) outputs.set(out, start * D);
    lossSum += session.lossOfLastForward(y.subarray(start * yWidth, (start + B) * yWidth), B) * B;
    if (pacer.due()) await pacer.yield();
  }
  return lossSum / n;
}

function validateCvInput(data: CvData, folds: Split[], spec: MlpSpec, train: TrainConfig, opts: CvOptions): void {
  const { n, d } = data;
  if (!Number.isInteger(n) || n < 2) throw new NnConfigError("data.n", `must be an integer ≥ 2, got ${String(n)}`);
  if (d !== spec.inputDim) throw new NnConfigError("data.d", `must equal spec.inputDim = ${spec.inputDim}, got ${String(d)}`);
  if (data.X.length !== n * d) throw new NnConfigError("data.X", `expected length n×d = ${n * d}, got ${data.X.length}`);
  // The O(n·d) scans of the inputs run once per SharedFolds (the same arrays every run).
  const scanInputs = !opts.shared?.inputsChecked;
  for (let i = 0; scanInputs && i < data.X.length; i++) {
    if (!Number.isFinite(data.X[i]!)) throw new NnConfigError(`data.X[${i}]`, `must be finite, got ${data.X[i]}`);
  }
  validateTargets(spec, data.y, n, "data.y");
  if (data.categorical !== undefined) {
    if (!Array.isArray(data.categorical)) throw new NnConfigError("data.categorical", "must be an array of column indices");
    const seen = new Set<number>();
    categoricalColumns(data).forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= d || seen.has(c)) {
        throw new NnConfigError(`data.categorical[${i}]`, `must be a distinct column index in [0, ${d}), got ${String(c)}`);
      }
      seen.add(c);
      for (let r = 0; scanInputs && r < n; r++) {
        const v = data.X[r * d + c]!;
        if (!Number.isInteger(v)) throw new NnConfigError(`data.X[${r * d + c}]`, `column ${c} is categorical: needs an integer code, got ${v}`);
      }
    });
  }
  if (!Array.isArray(folds) || folds.length < 1) throw new NnConfigError("folds", "must be a non-empty array");
  folds.forEach((f, i) => {
    for (const part of ["train", "test"] as const) {
      const idx = f[part];
      if (!(idx instanceof Int32Array) || idx.length === 0) {
        throw new NnConfigError(`folds[${i}].${part}`, "must be a non-empty Int32Array");
      }
      for (let r = 0; r < idx.length; r++) {
        if (idx[r]! < 0 || idx[r]! >= n) throw new NnConfigError(`folds[${i}].${part}[${r}]`, `index ${idx[r]} out of [0, ${n})`);
      }
    }
    if (train.earlyStopping && innerValidationSize(f.train.length, train.earlyStopping.validationFraction) >= f.train.length) {
      throw new NnConfigError(
        "train.earlyStopping.validationFraction",
        `leaves no training rows in fold ${i} (${f.train.length} training rows)`,
      );
    }
  });
  if (typeof opts.seed !== "number" || !Number.isFinite(opts.seed)) {
    throw new NnConfigError("opts.seed", `must be a finite number, got ${String(opts.seed)}`);
  }
  if (!METRICS.includes(opts.metric)) {
    throw new NnConfigError("opts.metric", `must be one of ${METRICS.join(", ")}, got ${JSON.stringify(opts.metric)}`);
  }
  if (!metricFitsTask(opts.metric, spec.task)) {
    throw new NnConfigError("opts.metric", `${opts.metric} is not defined for task ${spec.task}`);
  }
  if (opts.backend !== undefined) {
    const reason = opts.backend.unsupported({ ...spec }, "float32");
    if (reason !== null) throw new NnConfigError("opts.backend", `${opts.backend.name} cannot train this network: ${reason}`);
  }
  if (opts.metric === "auc") {
    // AUC is undefined on a single class; say so now rather than as a "diverged" run.
    folds.forEach((f, i) => {
      let pos = 0;
      for (let r = 0; r < f.test.length; r++) if (data.y[f.test[r]!] === 1) pos++;
      if (pos === 0 || pos === f.test.length) {
        throw new NnConfigError(`folds[${i}].test`, "auc needs both classes in every held-out part");
      }
    });
  }
  if (opts.shared) opts.shared.inputsChecked = true;
}
