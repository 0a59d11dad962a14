import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { generateDataset, kFoldSplits } from "@automl/datasets";
import { crossValidate, mlpParamCount, type EpochReport } from "./cv";
import { NnConfigError, type MlpSpec } from "./types";

const xor = generateDataset({ builtin: "xor", n: 400, noise: 0.2 }, 1);
const xorFolds = kFoldSplits(xor.y, 5, { stratified: true, seed: 1 });
const xorSpec: MlpSpec = { inputDim: 2, hidden: [12], activation: "relu", task: "binary", outputDim: 1 };
const xorTrain = { learningRate: 0.2, batchSize: 16, epochs: 50 };

/** y = x₁ − 2x₂ + 0.5 + small noise; features deliberately off-scale to exercise standardization. */
function linearRegressionData(n: number, seed: number) {
  const rng = createRng(seed);
  const X = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const b = rng.normal();
    X[2 * i] = 1000 + 50 * a;
    X[2 * i + 1] = 0.01 * b;
    y[i] = a - 2 * b + 0.5 + 0.05 * rng.normal();
  }
  return { X, y, n, d: 2 };
}

describe("crossValidate", () => {
  it("learns XOR: mean accuracy ≥ 0.95 over 5 stratified folds", async () => {
    const reports: [number, EpochReport][] = [];
    const cv = await crossValidate(xor, xorFolds, xorSpec, xorTrain, {
      seed: 3,
      metric: "accuracy",
      onEpoch: (fold, r) => {
        reports.push([fold, r]);
        return "continue";
      },
    });
    expect(cv.status).toBe("completed");
    expect(cv.folds).toHaveLength(5);
    expect(cv.mean).toBeGreaterThanOrEqual(0.95);
    expect(cv.std).toBeGreaterThanOrEqual(0);
    expect(cv.paramCount).toBe(2 * 12 + 12 + 12 + 1);
    expect(cv.paramCount).toBe(mlpParamCount(xorSpec));
    expect(cv.divergedAt).toBeUndefined();
    for (const f of cv.folds) {
      expect(f.status).toBe("completed");
      expect(f.epochs).toBe(50);
      expect(f.score).toBeGreaterThanOrEqual(0.9);
    }
    // One report per epoch per fold, epochs 1-based, the last one matching the fold's outcome.
    expect(reports).toHaveLength(250);
    expect(reports.filter(([f]) => f === 2).map(([, r]) => r.epoch)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const last = reports.filter(([f]) => f === 4).at(-1)![1];
    expect(last.validMetric).toBe(cv.folds[4]!.score);
    expect(last.validLoss).toBe(cv.folds[4]!.loss);
    // Training made progress.
    const fold0 = reports.filter(([f]) => f === 0).map(([, r]) => r);
    expect(fold0.at(-1)!.trainLoss).toBeLessThan(fold0[0]!.trainLoss / 3);
  });

  it("is deterministic for a seed; another seed gives another run", async () => {
    const cfg = { ...xorTrain, epochs: 10 };
    const runs = await Promise.all(
      [5, 5, 6].map(async (seed) => {
        const curve: number[] = [];
        const cv = await crossValidate(xor, xorFolds, xorSpec, cfg, {
          seed,
          metric: "logloss",
          onEpoch: (_f, r) => {
            curve.push(r.trainLoss, r.validLoss);
            return "continue";
          },
        });
        return { cv, curve };
      }),
    );
    expect(runs[1]!.cv).toEqual(runs[0]!.cv);
    expect(runs[1]!.curve).toEqual(runs[0]!.curve);
    expect(runs[2]!.curve).not.toEqual(runs[0]!.curve);
  });

  it("multiclass (3-arm spirals, tanh) beats chance by far", async () => {
    const ds = generateDataset({ builtin: "spirals", n: 300, noise: 0.05 }, 2);
    const folds = kFoldSplits(ds.y, 3, { stratified: true, seed: 2 });
    const spec: MlpSpec = { inputDim: 2, hidden: [32, 32], activation: "tanh", task: "multiclass", outputDim: 3 };
    const cv = await crossValidate(ds, folds, spec, { learningRate: 0.3, batchSize: 16, epochs: 60 }, { seed: 1, metric: "accuracy" });
    expect(cv.status).toBe("completed");
    expect(cv.mean).toBeGreaterThan(0.8);
  });

  it("regression on off-scale features reaches r² > 0.95 (standardization at work)", async () => {
    const data = linearRegressionData(300, 4);
    const folds = kFoldSplits(data.y, 3, { stratified: false, seed: 4 });
    const spec: MlpSpec = { inputDim: 2, hidden: [8], activation: "tanh", task: "regression", outputDim: 1 };
    const cv = await crossValidate(data, folds, spec, { learningRate: 0.05, batchSize: 16, epochs: 40 }, { seed: 1, metric: "r2" });
    expect(cv.status).toBe("completed");
    expect(cv.mean).toBeGreaterThan(0.95);
  });

  it("a huge learning rate ends as 'diverged' with divergedAt, without throwing", async () => {
    const data = linearRegressionData(200, 5);
    const folds = kFoldSplits(data.y, 4, { stratified: false, seed: 5 });
    const spec: MlpSpec = { inputDim: 2, hidden: [8], activation: "relu", task: "regression", outputDim: 1 };
    let epochsReported = 0;
    const cv = await crossValidate(data, folds, spec, { learningRate: 1e6, batchSize: 8, epochs: 20 }, {
      seed: 1,
      metric: "mse",
      onEpoch: () => {
        epochsReported++;
        return "continue";
      },
    });
    expect(cv.status).toBe("diverged");
    expect(cv.divergedAt).toEqual({ fold: 0, epoch: 1 });
    expect(epochsReported).toBe(0);
    expect(cv.folds).toHaveLength(1);
    const f = cv.folds[0]!;
    expect(f.status).toBe("diverged");
    expect(f.divergedAtEpoch).toBe(1);
    expect(f.score).toBeNaN();
    expect(Number.isFinite(f.loss)).toBe(false);
    expect(cv.mean).toBeNaN();
    expect(cv.std).toBeNaN();
  });

  it("onEpoch 'stop' ends the run as 'stopped' right there", async () => {
    let calls = 0;
    const cv = await crossValidate(xor, xorFolds, xorSpec, { ...xorTrain, epochs: 5 }, {
      seed: 1,
      metric: "accuracy",
      onEpoch: async (fold, r) => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 1)); // async callbacks are awaited
        return fold === 1 && r.epoch === 3 ? "stop" : "continue";
      },
    });
    expect(cv.status).toBe("stopped");
    expect(calls).toBe(5 + 3);
    expect(cv.folds.map((f) => [f.status, f.epochs])).toEqual([
      ["completed", 5],
      ["stopped", 3],
    ]);
    expect(cv.mean).toBeCloseTo((cv.folds[0]!.score + cv.folds[1]!.score) / 2, 12);
  });

  it("yields to the event loop during long training so timers keep running", async () => {
    const rng = createRng(8);
    const n = 1200;
    const d = 32;
    const X = Float32Array.from({ length: n * d }, () => rng.normal());
    const y = Float32Array.from({ length: n }, (_, i) => (X[i * d]! > 0 ? 1 : 0));
    const spec: MlpSpec = { inputDim: d, hidden: [128, 128], activation: "relu", task: "binary", outputDim: 1 };
    const folds = kFoldSplits(y, 2, { stratified: true, seed: 1 });
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 5);
    const t0 = performance.now();
    let cv;
    try {
      cv = await crossValidate({ X, y, n, d }, folds, spec, { learningRate: 0.05, batchSize: 32, epochs: 5 }, { seed: 1, metric: "accuracy" });
    } finally {
      clearInterval(timer);
    }
    const t1 = performance.now();
    expect(cv.status).toBe("completed");
    const stamps = [t0, ...ticks, t1];
    const maxGap = Math.max(...stamps.slice(1).map((t, i) => t - stamps[i]!));
    // Without yielding there would be one gap as long as the whole run.
    expect(t1 - t0).toBeGreaterThan(100);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(maxGap).toBeLessThan((t1 - t0) / 2);
  });

  it("rejects invalid input before training, naming the field", async () => {
    const opts = { seed: 1, metric: "accuracy" as const };
    await expect(crossValidate(xor, xorFolds, xorSpec, xorTrain, { ...opts, metric: "mse" })).rejects.toThrow("opts.metric");
    await expect(crossValidate({ ...xor, d: 3 }, xorFolds, xorSpec, xorTrain, opts)).rejects.toThrow("data.d");
    await expect(crossValidate(xor, xorFolds, xorSpec, { ...xorTrain, batchSize: 0 }, opts)).rejects.toThrow("train.batchSize");
    const badFold = [{ train: Int32Array.from([0, 1]), test: Int32Array.from([400]) }];
    await expect(crossValidate(xor, badFold, xorSpec, xorTrain, opts)).rejects.toThrow("folds[0].test[0]");
    const yBad = xor.y.slice();
    yBad[3] = 2;
    await expect(crossValidate({ ...xor, y: yBad }, xorFolds, xorSpec, xorTrain, opts)).rejects.toThrow(NnConfigError);
  });
});
