import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { kFoldSplits } from "@automl/datasets";
import { crossValidate, type EpochReport } from "./cv";
import { MlpModel } from "./mlp";
import { learningRateAt, SgdOptimizer } from "./optimizer";
import type { TrainConfig } from "./train";
import type { MlpSpec } from "./types";

const f64 = (xs: number[]) => Float64Array.from(xs);

describe("the slides' XOR network", () => {
  // The four XOR points; one ReLU hidden layer and a sigmoid output, trained and scored on
  // the same four points (training accuracy).
  const X = Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]);
  const y = Float32Array.from([0, 1, 1, 0]);
  const all = Int32Array.from([0, 1, 2, 3]);
  const spec: MlpSpec = { inputDim: 2, hidden: [8], activation: "relu", task: "binary", outputDim: 1, output: "sigmoid" };

  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])("trains to 100 percent training accuracy (seed %s)", async (seed) => {
    const cv = await crossValidate({ X, y, n: 4, d: 2 }, [{ train: all, test: all }], spec, { learningRate: 0.5, batchSize: 4, epochs: 300 }, {
      seed,
      metric: "accuracy",
    });
    expect(cv.status).toBe("completed");
    expect(cv.folds[0]!.score).toBe(1);
    expect(cv.folds[0]!.metrics.logloss).toBeLessThan(0.1);
    // The learned function, on the slides' plane: ~1 at (0,1), (1,0), ~0 at (0,0), (1,1).
    const s = cv.surface!;
    const at = (px: number, py: number) => {
      const c = Math.round(((px - s.x[0]) / (s.x[1] - s.x[0])) * (s.grid - 1));
      const r = Math.round(((py - s.y[0]) / (s.y[1] - s.y[0])) * (s.grid - 1));
      return s.values[r * s.grid + c]!;
    };
    expect(at(0, 1)).toBeGreaterThan(0.5);
    expect(at(1, 0)).toBeGreaterThan(0.5);
    expect(at(0, 0)).toBeLessThan(0.5);
    expect(at(1, 1)).toBeLessThan(0.5);
  });
});

describe("learning-rate schedules", () => {
  const cfg = { learningRate: 0.8, epochs: 6 };

  it("constant (the default)", () => {
    expect([1, 2, 6].map((e) => learningRateAt(cfg, e))).toEqual([0.8, 0.8, 0.8]);
    expect(learningRateAt({ ...cfg, schedule: { type: "constant" } }, 5)).toBe(0.8);
  });

  it("step: η·γ^⌊(epoch − 1)/everyEpochs⌋", () => {
    const s = { ...cfg, schedule: { type: "step" as const, everyEpochs: 2, gamma: 0.5 } };
    expect([1, 2, 3, 4, 5, 6].map((e) => learningRateAt(s, e))).toEqual([0.8, 0.8, 0.4, 0.4, 0.2, 0.2]);
  });

  it("cosine: ηmin + ½(η − ηmin)(1 + cos(π(epoch − 1)/epochs))", () => {
    const s = { learningRate: 1, epochs: 4, schedule: { type: "cosine" as const, minLearningRate: 0.2 } };
    const want = [1, 0.2 + 0.4 * (1 + Math.SQRT1_2), 0.6, 0.2 + 0.4 * (1 - Math.SQRT1_2)];
    [1, 2, 3, 4].forEach((e, i) => expect(learningRateAt(s, e)).toBeCloseTo(want[i]!, 14));
    expect(learningRateAt({ learningRate: 1, epochs: 2, schedule: { type: "cosine" } }, 2)).toBeCloseTo(0.5, 14);
  });

  it("crossValidate uses and reports the scheduled rate every epoch", async () => {
    const data = regressionData(60, 1);
    const folds = kFoldSplits(data.y, 2, { stratified: false, seed: 1 });
    const rates: number[] = [];
    await crossValidate(
      data,
      folds,
      { inputDim: 2, hidden: [4], activation: "tanh", task: "regression", outputDim: 1 },
      { learningRate: 0.1, batchSize: 8, epochs: 5, schedule: { type: "step", everyEpochs: 2, gamma: 0.1 } },
      {
        seed: 1,
        metric: "mse",
        onEpoch: (f, r) => {
          if (f === 0) rates.push(r.learningRate);
          return "continue";
        },
      },
    );
    expect(rates.map((r) => +r.toPrecision(12))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001]);
  });
});

describe("SgdOptimizer", () => {
  it("heavy-ball momentum: v ← μv − ηg, θ ← θ + v (hand values with a constant gradient)", () => {
    const w = f64([1, -2]);
    const g = f64([0.5, 1]);
    const opt = new SgdOptimizer([w], [true], { momentum: 0.9 });
    opt.step([g], 0.1);
    expect([...w]).toEqual([1 - 0.05, -2 - 0.1]);
    opt.step([g], 0.1);
    // v₂ = 0.9·(−ηg) − ηg = −1.9ηg
    expect(w[0]).toBeCloseTo(1 - 0.05 * 2.9, 14);
    expect(w[1]).toBeCloseTo(-2 - 0.1 * 2.9, 14);
    opt.step([g], 0.1);
    expect(w[0]).toBeCloseTo(1 - 0.05 * (1 + 1.9 + 2.71), 14);
  });

  it("weight decay shrinks the weights only: W ← W − ηλW, biases and α untouched", () => {
    const W = f64([2, -4]);
    const b = f64([3]);
    const alpha = f64([0.25]);
    const zero = [f64([0, 0]), f64([0]), f64([0])];
    const opt = new SgdOptimizer([W, b, alpha], [true, false, false], { weightDecay: 0.5 });
    opt.step(zero, 0.1);
    opt.step(zero, 0.1);
    expect([...W]).toEqual([2 * 0.95 * 0.95, -4 * 0.95 * 0.95]);
    expect([...b]).toEqual([3]);
    expect([...alpha]).toEqual([0.25]);
  });

  it("records the raw gradient norm per tensor and overall", () => {
    const opt = new SgdOptimizer([f64([0, 0]), f64([0])], [true, false]);
    opt.step([f64([3, 4]), f64([12])], 0.01);
    expect([...opt.sqNorms]).toEqual([25, 144]);
    expect(opt.lastGradNorm).toBe(13);
  });

  it("clipping: the applied update has norm ≤ clipNorm·η (and = when the gradient is larger)", () => {
    // A real model and a gradient far above the bound (targets 1e4 away).
    const spec: MlpSpec = { inputDim: 3, hidden: [8, 8], activation: "relu", task: "regression", outputDim: 1 };
    const model = new MlpModel(spec, 1);
    const rng = createRng(2);
    const X = Float32Array.from({ length: 16 * 3 }, () => rng.normal());
    const y = Float32Array.from({ length: 16 }, () => 1e4);
    const params = model.params.map((p) => p.data);
    const opt = new SgdOptimizer(params, params.map(() => false), { clipNorm: 2 });
    for (const [lr, big] of [
      [0.01, true],
      [0.3, true],
    ] as const) {
      const before = model.copyParams();
      model.computeGradients(X, y, 16);
      opt.step(model.grads, lr);
      expect(opt.lastGradNorm > 2).toBe(big);
      let sq = 0;
      params.forEach((p, i) => p.forEach((v, j) => (sq += (v - before[i]![j]!) ** 2)));
      const applied = Math.sqrt(sq);
      expect(applied).toBeLessThanOrEqual(2 * lr * (1 + 1e-5));
      expect(applied).toBeGreaterThan(2 * lr * (1 - 1e-3)); // clipped to the bound, not below it
    }
    // A small gradient passes unchanged.
    const small = new SgdOptimizer([f64([0, 0])], [false], { clipNorm: 10 });
    const w = f64([0, 0]);
    const tiny = new SgdOptimizer([w], [false], { clipNorm: 10 });
    tiny.step([f64([3, 4])], 0.1);
    expect([...w].map((v) => +v.toFixed(12))).toEqual([-0.3, -0.4]);
    expect(small.lastGradNorm).toBeNaN(); // no step yet
  });
});

/** y = x₁ − 2x₂ + noise. */
function regressionData(n: number, seed: number) {
  const rng = createRng(seed);
  const X = Float32Array.from({ length: n * 2 }, () => rng.normal());
  const y = Float32Array.from({ length: n }, (_, i) => X[2 * i]! - 2 * X[2 * i + 1]! + 0.1 * rng.normal());
  return { X, y, n, d: 2 };
}

describe("training options inside crossValidate", () => {
  const data = regressionData(200, 3);
  const folds = kFoldSplits(data.y, 2, { stratified: false, seed: 3 });
  const spec: MlpSpec = { inputDim: 2, hidden: [16], activation: "relu", task: "regression", outputDim: 1 };
  const base: TrainConfig = { learningRate: 0.01, batchSize: 16, epochs: 10 };
  const run = async (train: TrainConfig) => {
    const reports: EpochReport[] = [];
    const cv = await crossValidate(data, folds, spec, train, {
      seed: 4,
      metric: "mse",
      onEpoch: (f, r) => {
        if (f === 0) reports.push(r);
        return "continue";
      },
    });
    return { cv, reports };
  };

  it("momentum speeds up a slow, small-step descent", async () => {
    const plain = await run({ ...base, learningRate: 0.002 });
    const heavy = await run({ ...base, learningRate: 0.002, momentum: 0.9 });
    expect(heavy.reports.at(-1)!.trainLoss).toBeLessThan(plain.reports.at(-1)!.trainLoss / 2);
  });

  it("weight decay keeps the weights smaller", async () => {
    const plain = await run({ ...base, learningRate: 0.05 });
    const decayed = await run({ ...base, learningRate: 0.05, weightDecay: 0.5 });
    const norm = (r: EpochReport[]) => r.at(-1)!.diagnostics.weightNorms.reduce((s, x) => s + x, 0);
    expect(norm(decayed.reports)).toBeLessThan(0.8 * norm(plain.reports));
  });

  it("the defaults are plain SGD: explicit zeros and a constant schedule change nothing", async () => {
    const a = await run(base);
    const b = await run({ ...base, momentum: 0, weightDecay: 0, schedule: { type: "constant" }, init: "auto" });
    expect(b.cv).toEqual(a.cv);
  });

  it("rejects bad options, naming the field", async () => {
    const bad: [Partial<TrainConfig>, string][] = [
      [{ momentum: 1 }, "train.momentum"],
      [{ weightDecay: -1 }, "train.weightDecay"],
      [{ clipNorm: 0 }, "train.clipNorm"],
      [{ init: "xavier" as "he" }, "train.init"],
      [{ schedule: { type: "step", everyEpochs: 0, gamma: 0.5 } }, "train.schedule.everyEpochs"],
      [{ schedule: { type: "cosine", minLearningRate: 1 } }, "train.schedule.minLearningRate"],
      [{ schedule: { type: "linear" } as never }, "train.schedule.type"],
      [{ earlyStopping: { patience: 0, validationFraction: 0.2 } }, "train.earlyStopping.patience"],
      [{ earlyStopping: { patience: 2, validationFraction: 1 } }, "train.earlyStopping.validationFraction"],
    ];
    for (const [patch, field] of bad) {
      await expect(crossValidate(data, folds, spec, { ...base, ...patch }, { seed: 1, metric: "mse" })).rejects.toThrow(field);
    }
  });
});

describe("early stopping", () => {
  // Labels mostly noise and a wide network: the inner validation loss bottoms out early.
  const rng = createRng(3);
  const n = 120;
  const d = 5;
  const X = Float32Array.from({ length: n * d }, () => rng.normal());
  const y = Float32Array.from({ length: n }, (_, i) => (X[i * d]! + 1.5 * rng.normal() > 0 ? 1 : 0));
  const folds = kFoldSplits(y, 3, { stratified: true, seed: 1 });
  const spec: MlpSpec = { inputDim: d, hidden: [64, 64], activation: "relu", task: "binary", outputDim: 1 };
  const train: TrainConfig = { learningRate: 0.1, batchSize: 8, epochs: 200, earlyStopping: { patience: 5, validationFraction: 0.25 } };

  it("stops before the epoch budget, patience epochs after the best, and restores the best weights", async () => {
    const reports: EpochReport[][] = [[], [], []];
    const cv = await crossValidate({ X, y, n, d }, folds, spec, train, {
      seed: 1,
      metric: "logloss",
      onEpoch: (f, r) => {
        reports[f]!.push(r);
        return "continue";
      },
    });
    expect(cv.status).toBe("completed");
    cv.folds.forEach((f, i) => {
      expect(f.status).toBe("completed");
      expect(f.stoppedEarly).toBe(true);
      expect(f.epochs).toBeLessThan(200);
      expect(reports[i]).toHaveLength(f.epochs);
      expect(f.bestEpoch).toBe(f.epochs - 5);
      const inner = reports[i]!.map((r) => r.innerValidLoss!);
      expect(Math.min(...inner)).toBe(inner[f.bestEpoch! - 1]);
      // The final model is the best epoch's: its held-out loss is the one reported then.
      const atBest = reports[i]![f.bestEpoch! - 1]!;
      expect(f.loss).toBe(atBest.validLoss);
      expect(f.score).toBe(atBest.validMetric);
      expect(f.loss).not.toBe(reports[i]!.at(-1)!.validLoss);
    });
  });

  it("is deterministic, and without it the fold runs every epoch", async () => {
    const a = await crossValidate({ X, y, n, d }, folds, spec, train, { seed: 1, metric: "logloss" });
    const b = await crossValidate({ X, y, n, d }, folds, spec, train, { seed: 1, metric: "logloss" });
    expect(b).toEqual(a);
    const full = await crossValidate({ X, y, n, d }, folds, spec, { ...train, epochs: 12, earlyStopping: undefined }, {
      seed: 1,
      metric: "logloss",
    });
    expect(full.folds.map((f) => [f.epochs, f.stoppedEarly])).toEqual([
      [12, undefined],
      [12, undefined],
      [12, undefined],
    ]);
  });
});
