import { createRng, type Rng } from "@automl/common";
import { evaluateMetric, METRICS, metricFitsTask, type Metric } from "./metrics";
import { MlpModel, validateMlpSpec, validateTargets } from "./mlp";
import { fitStandardization, gatherRows, gatherStandardized, validateTrainConfig, type TrainConfig } from "./train";
import { NnConfigError, type MlpSpec } from "./types";

export interface EpochReport {
  /** 1-based. */
  epoch: number;
  /** Mean of the minibatch losses seen during the epoch (each taken before its update). */
  trainLoss: number;
  /** Mean loss on the fold's held-out part after the epoch. */
  validLoss: number;
  /** The objective metric on the fold's held-out part after the epoch. */
  validMetric: number;
}

export type EpochDecision = "continue" | "stop";

export interface FoldOutcome {
  /** 0-based index into the folds array. */
  fold: number;
  status: "completed" | "diverged" | "stopped";
  /** Metric on the held-out part after the last epoch run; NaN if diverged. */
  score: number;
  /** Held-out loss after the last epoch run; for a diverged fold, the non-finite loss seen. */
  loss: number;
  /** Epochs run, counting the one that diverged or was stopped after. */
  epochs: number;
  divergedAtEpoch?: number;
}

export interface CvOutcome {
  status: "completed" | "diverged" | "stopped";
  /** The folds run, in order; a stopped or diverged run ends with the fold that ended it. */
  folds: FoldOutcome[];
  /** Mean of the folds' scores; NaN if diverged. */
  mean: number;
  /** Sample standard deviation (n − 1) of the folds' scores; NaN if diverged or under 2 folds. */
  std: number;
  paramCount: number;
  divergedAt?: { fold: number; epoch: number };
}

export interface CvData {
  /** n×d, row-major. */
  X: Float32Array;
  /** n labels (binary/multiclass) or n×outputDim targets (regression). */
  y: Float32Array;
  n: number;
  d: number;
}

export interface CvOptions {
  seed: number;
  metric: Metric;
  /** Called after every epoch of every fold (fold is 0-based); "stop" ends CV as "stopped". */
  onEpoch?: (fold: number, r: EpochReport) => Promise<EpochDecision> | EpochDecision;
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
}

/** Number of trainable parameters of `spec` (weights and biases). */
export function mlpParamCount(spec: MlpSpec): number {
  const dims = [spec.inputDim, ...spec.hidden, spec.outputDim];
  let count = 0;
  for (let l = 0; l + 1 < dims.length; l++) count += dims[l]! * dims[l + 1]! + dims[l + 1]!;
  return count;
}

/**
 * k-fold cross validation of `spec` trained by minibatch SGD. Per fold: features standardized
 * with the training part's statistics, a fresh model initialized from a seed derived from
 * (opts.seed, fold), training order reshuffled every epoch from another derived stream; so the
 * whole outcome is a function of the inputs. A non-finite loss, metric or parameter ends the run
 * as "diverged" (reported, not thrown). Invalid arguments throw NnConfigError before training.
 */
export async function crossValidate(
  data: CvData,
  folds: { train: Int32Array; test: Int32Array }[],
  spec: MlpSpec,
  train: TrainConfig,
  opts: CvOptions,
): Promise<CvOutcome> {
  validateMlpSpec(spec);
  validateTrainConfig(train);
  validateCvInput(data, folds, spec, opts);

  const paramCount = mlpParamCount(spec);
  const root = createRng(opts.seed);
  const pacer = new Pacer();
  const outcomes: FoldOutcome[] = [];
  for (let f = 0; f < folds.length; f++) {
    const foldRng = root.fork(f);
    const outcome = await runFold(data, folds[f]!, f, spec, train, opts, foldRng, pacer);
    outcomes.push(outcome);
    if (outcome.status === "diverged") {
      return {
        status: "diverged",
        folds: outcomes,
        mean: NaN,
        std: NaN,
        paramCount,
        divergedAt: { fold: f, epoch: outcome.divergedAtEpoch! },
      };
    }
    if (outcome.status === "stopped") return summarize("stopped", outcomes, paramCount);
  }
  return summarize("completed", outcomes, paramCount);
}

function summarize(status: "completed" | "stopped", folds: FoldOutcome[], paramCount: number): CvOutcome {
  const scores = folds.map((f) => f.score);
  const mean = scores.reduce((s, x) => s + x, 0) / scores.length;
  const std =
    scores.length < 2 ? NaN : Math.sqrt(scores.reduce((s, x) => s + (x - mean) * (x - mean), 0) / (scores.length - 1));
  return { status, folds, mean, std, paramCount };
}

async function runFold(
  data: CvData,
  split: { train: Int32Array; test: Int32Array },
  fold: number,
  spec: MlpSpec,
  train: TrainConfig,
  opts: CvOptions,
  foldRng: Rng,
  pacer: Pacer,
): Promise<FoldOutcome> {
  const { d } = data;
  const yWidth = spec.task === "regression" ? spec.outputDim : 1;
  const standardization = fitStandardization(data.X, d, split.train);
  const Xtrain = gatherStandardized(data.X, d, split.train, standardization);
  const Xtest = gatherStandardized(data.X, d, split.test, standardization);
  const ytrain = new Float32Array(split.train.length * yWidth);
  gatherRows(data.y, yWidth, split.train, 0, split.train.length, ytrain);
  const ytest = new Float32Array(split.test.length * yWidth);
  gatherRows(data.y, yWidth, split.test, 0, split.test.length, ytest);

  // Stream 0 seeds the initial weights, stream 1 the epoch order.
  const model = new MlpModel(spec, foldRng.fork(0).int(2 ** 32));
  const orderRng = foldRng.fork(1);

  const nTrain = split.train.length;
  const nTest = split.test.length;
  const order = Int32Array.from({ length: nTrain }, (_, i) => i);
  const bs = Math.min(train.batchSize, nTrain);
  const Xb = new Float32Array(bs * d);
  const yb = new Float32Array(bs * yWidth);
  const outputs = new Float32Array(nTest * spec.outputDim);
  const diverged = (epoch: number, loss: number): FoldOutcome => ({
    fold,
    status: "diverged",
    score: NaN,
    loss,
    epochs: epoch,
    divergedAtEpoch: epoch,
  });

  let validLoss = NaN;
  let validMetric = NaN;
  for (let epoch = 1; epoch <= train.epochs; epoch++) {
    orderRng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < nTrain; start += bs) {
      const B = Math.min(bs, nTrain - start);
      gatherRows(Xtrain, d, order, start, B, Xb);
      gatherRows(ytrain, yWidth, order, start, B, yb);
      const loss = model.computeGradients(Xb, yb, B);
      if (!Number.isFinite(loss)) return diverged(epoch, loss);
      model.applySgd(train.learningRate);
      lossSum += loss * B;
      if (pacer.due()) await pacer.yield();
    }
    // A step can overflow the weights without the loss having seen it yet.
    if (!model.paramsFinite()) return diverged(epoch, NaN);

    validLoss = await evaluateInto(model, Xtest, ytest, nTest, d, yWidth, outputs, pacer);
    if (!Number.isFinite(validLoss)) return diverged(epoch, validLoss);
    validMetric = evaluateMetric(opts.metric, outputs, ytest, nTest, spec.task);
    if (!Number.isFinite(validMetric)) return diverged(epoch, validLoss);

    if (opts.onEpoch) {
      const decision = await opts.onEpoch(fold, { epoch, trainLoss: lossSum / nTrain, validLoss, validMetric });
      if (decision === "stop") {
        return { fold, status: "stopped", score: validMetric, loss: validLoss, epochs: epoch };
      }
    }
  }
  return { fold, status: "completed", score: validMetric, loss: validLoss, epochs: train.epochs };
}

/** Mean held-out loss; writes every row's output-unit values into `outputs`. Chunked to bound memory. */
async function evaluateInto(
  model: MlpModel,
  X: Float32Array,
  y: Float32Array,
  n: number,
  d: number,
  yWidth: number,
  outputs: Float32Array,
  pacer: Pacer,
): Promise<number> {
  const D = model.spec.outputDim;
  let lossSum = 0;
  for (let start = 0; start < n; start += EVAL_CHUNK) {
    const B = Math.min(EVAL_CHUNK, n - start);
    const out = model.forwardInto(X.subarray(start * d, (start + B) * d), B);
    outputs.set(out, start * D);
    lossSum += model.lossOfLastForward(y.subarray(start * yWidth, (start + B) * yWidth), B) * B;
    if (pacer.due()) await pacer.yield();
  }
  return lossSum / n;
}

function validateCvInput(
  data: CvData,
  folds: { train: Int32Array; test: Int32Array }[],
  spec: MlpSpec,
  opts: CvOptions,
): void {
  const { n, d } = data;
  if (!Number.isInteger(n) || n < 2) throw new NnConfigError("data.n", `must be an integer ≥ 2, got ${String(n)}`);
  if (d !== spec.inputDim) throw new NnConfigError("data.d", `must equal spec.inputDim = ${spec.inputDim}, got ${String(d)}`);
  if (data.X.length !== n * d) throw new NnConfigError("data.X", `expected length n×d = ${n * d}, got ${data.X.length}`);
  for (let i = 0; i < data.X.length; i++) {
    if (!Number.isFinite(data.X[i]!)) throw new NnConfigError(`data.X[${i}]`, `must be finite, got ${data.X[i]}`);
  }
  validateTargets(spec, data.y, n, "data.y");
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
}
