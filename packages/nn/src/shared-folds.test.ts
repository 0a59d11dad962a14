import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { generateDataset, kFoldSplits } from "@automl/datasets";
import { crossValidate, type CvData, type CvOptions, type EpochReport } from "./cv";
import { SharedFolds } from "./shared-folds";
import { NnConfigError, type MlpSpec } from "./types";
import type { TrainConfig } from "./train";

/** A run's whole record: every epoch report of every fold, and the outcome. */
async function record(data: CvData, folds: { train: Int32Array; test: Int32Array }[], spec: MlpSpec, train: TrainConfig, opts: Partial<CvOptions>) {
  const epochs: [number, EpochReport][] = [];
  const outcome = await crossValidate(data, folds, spec, train, {
    seed: 7,
    metric: "accuracy",
    ...opts,
    onEpoch: (f, r) => {
      epochs.push([f, r]);
      return "continue";
    },
  });
  return { outcome, epochs };
}

/** Two numeric columns on different scales and one categorical column (codes 0..3). */
function mixedData(n: number): CvData {
  const rng = createRng(5);
  const X = new Float32Array(n * 3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.normal();
    const code = rng.int(4);
    X[3 * i] = 100 + 10 * a;
    X[3 * i + 1] = code;
    X[3 * i + 2] = 0.01 * rng.normal();
    y[i] = a + (code === 2 ? 1 : 0) > 0.5 ? 1 : 0;
  }
  return { X, y, n, d: 3, categorical: [1] };
}

describe("SharedFolds: per-fold work shared by the runs of a study", () => {
  const moons = generateDataset({ builtin: "moons", n: 240, noise: 0.15 }, 2);
  const folds = kFoldSplits(moons.y, 3, { stratified: true, seed: 2 });

  it("every run with the cache records exactly what it records without it", async () => {
    const shared = new SharedFolds(moons.X, moons.y, folds);
    const runs: [MlpSpec, TrainConfig][] = [
      [{ inputDim: 2, hidden: [8], activation: "relu", task: "binary", outputDim: 1 }, { learningRate: 0.1, batchSize: 16, epochs: 4 }],
      [{ inputDim: 2, hidden: [6, 5], activation: "tanh", task: "binary", outputDim: 1 }, { learningRate: 0.05, batchSize: 8, epochs: 3, momentum: 0.9 }],
      [{ inputDim: 2, hidden: [4], activation: "prelu", task: "binary", outputDim: 1 }, { learningRate: 0.1, batchSize: 32, epochs: 5, earlyStopping: { patience: 2, validationFraction: 0.2 } }],
    ];
    for (const [spec, train] of runs) {
      const alone = await record(moons, folds, spec, train, {});
      const withCache = await record({ ...moons }, folds, spec, train, { shared }); // a new data object, same arrays
      expect(withCache).toEqual(alone);
    }
    expect(shared.inputsChecked).toBe(true);
  });

  it("one-hot encodes categorical columns the same way from the cache", async () => {
    const data = mixedData(150);
    const f = kFoldSplits(data.y, 3, { stratified: true, seed: 1 });
    const shared = new SharedFolds(data.X, data.y, f);
    const spec: MlpSpec = { inputDim: 3, hidden: [5], activation: "relu", task: "binary", outputDim: 1 };
    const train = { learningRate: 0.1, batchSize: 16, epochs: 3 };
    const alone = await record(data, f, spec, train, {});
    await record(data, f, spec, train, { shared });
    expect(await record(data, f, spec, train, { shared })).toEqual(alone); // the second run reads the cache
  });

  it("refuses other data or other folds", async () => {
    const shared = new SharedFolds(moons.X, moons.y, folds);
    const spec: MlpSpec = { inputDim: 2, hidden: [4], activation: "relu", task: "binary", outputDim: 1 };
    const train = { learningRate: 0.1, batchSize: 16, epochs: 1 };
    const other = generateDataset({ builtin: "moons", n: 240, noise: 0.15 }, 2); // equal values, other arrays
    await expect(record(other, folds, spec, train, { shared })).rejects.toThrow(NnConfigError);
    await expect(record(moons, [...folds], spec, train, { shared })).rejects.toThrow(/other data or folds/);
  });

  it("keeps encoded folds only within its budget and gives the bytes back on release", async () => {
    const foldBytes = (k: number) => 4 * (folds[k]!.train.length + folds[k]!.test.length) * (2 + 1); // X (2 columns) and y
    const budget = { left: foldBytes(0) + foldBytes(1) };
    const shared = new SharedFolds(moons.X, moons.y, folds, budget);
    const spec: MlpSpec = { inputDim: 2, hidden: [4], activation: "relu", task: "binary", outputDim: 1 };
    const train = { learningRate: 0.1, batchSize: 16, epochs: 1 };
    const first = await record(moons, folds, spec, train, { shared });
    expect(budget.left).toBe(0); // folds 0 and 1 kept; fold 2 did not fit and is recomputed
    expect(await record(moons, folds, spec, train, { shared })).toEqual(first);
    shared.release();
    expect(budget.left).toBe(foldBytes(0) + foldBytes(1));
  });
});
