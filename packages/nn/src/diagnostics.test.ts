import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { generateDataset, kFoldSplits } from "@automl/datasets";
import { crossValidate, type EpochReport } from "./cv";
import { DiagnosticsTracker } from "./diagnostics";
import { MlpModel } from "./mlp";
import { SgdOptimizer } from "./optimizer";
import { fitPreprocessor } from "./preprocess";
import { decisionSurface } from "./surface";
import type { Activation, Mlp, MlpSpec } from "./types";

const moons = generateDataset({ builtin: "moons", n: 200, noise: 0.1 }, 1);
const moonFolds = kFoldSplits(moons.y, 3, { stratified: true, seed: 1 });

async function reportsOf(spec: MlpSpec, epochs = 3) {
  const reports: EpochReport[] = [];
  const cv = await crossValidate(moons, moonFolds, spec, { learningRate: 0.1, batchSize: 16, epochs }, {
    seed: 1,
    metric: "auc",
    onEpoch: (f, r) => {
      if (f === 0) reports.push(r);
      return "continue";
    },
  });
  return { cv, reports };
}

describe("per-epoch diagnostics", () => {
  it("one gradient norm and one weight norm per weight layer, one dead fraction per hidden layer", async () => {
    const acts: Activation[] = ["relu", "sigmoid", "maxout", "abs", "prelu", "leaky_relu", "tanh"];
    const spec: MlpSpec = { inputDim: 2, hidden: [6, 5, 4, 4, 4, 4, 3], activation: acts, task: "binary", outputDim: 1 };
    const { reports } = await reportsOf(spec);
    expect(reports).toHaveLength(3);
    for (const r of reports) {
      const { gradNorms, deadFraction, weightNorms } = r.diagnostics;
      expect(gradNorms).toHaveLength(8);
      expect(weightNorms).toHaveLength(8);
      expect(gradNorms.every((g) => Number.isFinite(g) && g >= 0)).toBe(true);
      expect(weightNorms.every((w) => w > 0)).toBe(true);
      // relu, leaky_relu and prelu can die; the others cannot.
      expect(deadFraction.map((x) => (x === null ? null : "number"))).toEqual([
        "number",
        null,
        null,
        null,
        "number",
        "number",
        null,
      ]);
      for (const x of deadFraction) if (x !== null) expect(x >= 0 && x <= 1).toBe(true);
    }
  });

  it("the weight norms are ‖W‖_F of the trained model", async () => {
    const spec: MlpSpec = { inputDim: 2, hidden: [5], activation: "relu", task: "binary", outputDim: 1 };
    let last: EpochReport | undefined;
    let model: Mlp | undefined;
    await crossValidate(moons, moonFolds.slice(0, 1), spec, { learningRate: 0.1, batchSize: 16, epochs: 2 }, {
      seed: 1,
      metric: "accuracy",
      onEpoch: (_f, r) => {
        last = r;
        return "continue";
      },
      onFoldTrained: (_f, m) => void (model = m),
    });
    const frob = (name: string) => Math.sqrt(model!.params.find((p) => p.name === name)!.data.reduce((s, w) => s + w * w, 0));
    expect(last!.diagnostics.weightNorms[0]).toBeCloseTo(frob("W1"), 5);
    expect(last!.diagnostics.weightNorms[1]).toBeCloseTo(frob("W2"), 5);
  });

  it("a ReLU layer forced dead (bias −100) reports deadFraction 1 and no gradient; sigmoid reports null", () => {
    const spec: MlpSpec = { inputDim: 2, hidden: [4, 3], activation: ["relu", "sigmoid"], task: "binary", outputDim: 1 };
    const model = new MlpModel(spec, 1);
    const params = model.getParams();
    params[1]!.data = params[1]!.data.map(() => -100); // b1
    model.setParams(params);
    const opt = new SgdOptimizer(
      model.params.map((p) => p.data),
      model.params.map(() => false),
    );
    const tracker = new DiagnosticsTracker(model);
    const rng = createRng(1);
    tracker.beginEpoch();
    for (let step = 0; step < 5; step++) {
      const X = Float32Array.from({ length: 8 * 2 }, () => rng.normal());
      const y = Float32Array.from({ length: 8 }, () => rng.int(2));
      model.computeGradients(X, y, 8);
      opt.step(model.grads, 0.1);
      tracker.observeStep(opt.sqNorms, 8);
    }
    const d = tracker.endEpoch();
    expect(d.deadFraction).toEqual([1, null]);
    expect(d.gradNorms[0]).toBe(0); // a dead layer's weights get no gradient
    expect(d.gradNorms[1]).toBe(0); // nor does the next layer's W: its inputs are all 0
    expect(d.gradNorms[2]).toBeGreaterThan(0);
  });

  it("dead fractions equal a full scan of every step's pre-activations, epoch after epoch", () => {
    // Units alive only on a few rows, units that die mid-run (big negative bias steps) and units
    // alive everywhere: the tracker scans only units not yet seen alive, so check it against
    // the plain definition on every epoch.
    const spec: MlpSpec = { inputDim: 3, hidden: [24, 9], activation: ["relu", "leaky_relu"], task: "binary", outputDim: 1 };
    const model = new MlpModel(spec, 3);
    const params = model.getParams();
    params[1]!.data = params[1]!.data.map((_, j) => (j % 3 === 0 ? -2.5 : j % 3 === 1 ? -0.5 : 0.5)); // b1
    model.setParams(params);
    const tracker = new DiagnosticsTracker(model);
    const rng = createRng(4);
    for (let epoch = 0; epoch < 4; epoch++) {
      tracker.beginEpoch();
      const alive = model.layers.slice(0, -1).map((l) => new Uint8Array(l.units));
      for (let step = 0; step < 6; step++) {
        const B = 1 + rng.int(5);
        const X = Float32Array.from({ length: B * 3 }, () => rng.normal());
        const y = Float32Array.from({ length: B }, () => rng.int(2));
        model.computeGradients(X, y, B);
        tracker.observeStep(new Float64Array(model.params.length), B);
        alive.forEach((a, l) => {
          const Z = model.preactivations(l, B);
          for (let i = 0; i < B * a.length; i++) if (Z[i]! > 0) a[i % a.length] = 1;
        });
      }
      const expected = alive.map((a) => a.filter((v) => v === 0).length / a.length);
      expect(tracker.endEpoch().deadFraction).toEqual(expected);
      expect(expected[0]).toBeGreaterThan(0); // the check covers dead units, not only live ones
      // Next epoch starts from other weights: shift the first layer's biases down.
      const p = model.getParams();
      p[1]!.data = p[1]!.data.map((b) => b - 0.4);
      model.setParams(p);
    }
  });

  it("a live ReLU layer on ordinary data has few dead units", async () => {
    const { reports } = await reportsOf({ inputDim: 2, hidden: [32], activation: "relu", task: "binary", outputDim: 1 });
    expect(reports[0]!.diagnostics.deadFraction[0]).toBeLessThan(0.3);
  });

  it("folds report every metric of the task", async () => {
    const { cv } = await reportsOf({ inputDim: 2, hidden: [8], activation: "tanh", task: "binary", outputDim: 1 }, 20);
    for (const f of cv.folds) {
      expect(Object.keys(f.metrics)).toEqual(["accuracy", "logloss", "f1", "auc"]);
      expect(f.score).toBe(f.metrics.auc);
      expect(f.metrics.auc).toBeGreaterThan(0.8);
    }
  });
});

describe("decision surface", () => {
  it("64×64 values over the data's bounding box + 10%, in original coordinates", async () => {
    // Off-scale raw coordinates: the surface must apply the fold's standardization itself.
    const X = moons.X.map((v, i) => (i % 2 === 0 ? 1000 + 50 * v : 0.01 * v));
    const data = { ...moons, X };
    const spec: MlpSpec = { inputDim: 2, hidden: [8, 8], activation: "relu", task: "binary", outputDim: 1 };
    let model: Mlp | undefined;
    const cv = await crossValidate(data, moonFolds, spec, { learningRate: 0.1, batchSize: 16, epochs: 10 }, {
      seed: 2,
      metric: "accuracy",
      onFoldTrained: (f, m) => void (f === 0 && (model = m)),
    });
    const s = cv.surface!;
    expect(s.grid).toBe(64);
    expect(s.values).toHaveLength(64 * 64);
    expect(s.regions).toBeGreaterThanOrEqual(1);
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (let i = 0; i < data.n; i++) {
      [x0, x1] = [Math.min(x0, X[2 * i]!), Math.max(x1, X[2 * i]!)];
      [y0, y1] = [Math.min(y0, X[2 * i + 1]!), Math.max(y1, X[2 * i + 1]!)];
    }
    expect(s.x[0]).toBeCloseTo(x0 - 0.1 * (x1 - x0), 9);
    expect(s.x[1]).toBeCloseTo(x1 + 0.1 * (x1 - x0), 9);
    expect(s.y[0]).toBeCloseTo(y0 - 0.1 * (y1 - y0), 9);
    expect(s.y[1]).toBeCloseTo(y1 + 0.1 * (y1 - y0), 9);
    expect(s.values.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Cell (r, c) is P(class 1) at the raw point (x₀ + cΔx, y₀ + rΔy), standardized with fold 0's
    // training statistics before the model sees it.
    const prep = fitPreprocessor(X, 2, moonFolds[0]!.train);
    const { mean, std } = prep.standardization;
    for (const [r, c] of [
      [0, 0],
      [10, 50],
      [63, 63],
      [40, 7],
    ] as const) {
      const px = s.x[0] + (c * (s.x[1] - s.x[0])) / 63;
      const py = s.y[0] + (r * (s.y[1] - s.y[0])) / 63;
      const p = model!.forward(Float32Array.from([(Math.fround(px) - mean[0]!) / std[0]!, (Math.fround(py) - mean[1]!) / std[1]!]), 1);
      expect(s.values[r * 64 + c]).toBeCloseTo(p[0]!, 6);
    }
  });

  it("a linear model (no hidden layer) has one region; multiclass values are class indices", async () => {
    const spirals = generateDataset({ builtin: "spirals", n: 150, noise: 0.05, classes: 3 }, 1);
    const folds = kFoldSplits(spirals.y, 3, { stratified: true, seed: 1 });
    const linear = await crossValidate(spirals, folds, { inputDim: 2, hidden: [], activation: "relu", task: "multiclass", outputDim: 3 }, { learningRate: 0.1, batchSize: 16, epochs: 3 }, { seed: 1, metric: "accuracy" });
    expect(linear.surface!.regions).toBe(1);
    expect(new Set(linear.surface!.values).size).toBeGreaterThan(1);
    expect(linear.surface!.values.every((v) => v === 0 || v === 1 || v === 2)).toBe(true);
    const deep = await crossValidate(spirals, folds, { inputDim: 2, hidden: [8, 8], activation: "maxout", task: "multiclass", outputDim: 3, output: "softmax_km1" }, { learningRate: 0.1, batchSize: 16, epochs: 3 }, { seed: 1, metric: "accuracy" });
    expect(deep.surface!.regions).toBeGreaterThan(1);
    const off = await crossValidate(spirals, folds, { inputDim: 2, hidden: [4], activation: "relu", task: "multiclass", outputDim: 3 }, { learningRate: 0.1, batchSize: 16, epochs: 1 }, { seed: 1, metric: "accuracy", surface: false });
    expect(off.surface).toBeUndefined();
  });

  it("counts activation patterns exactly on hand-set networks", async () => {
    // Data on the square [−1, 1]²; identity preprocessing (mean 0, std 1 fitted on symmetric points).
    const X = Float32Array.from([-1, -1, 1, 1, -1, 1, 1, -1]);
    const prep = fitPreprocessor(X, 2, Int32Array.from([0, 1, 2, 3]));
    expect([...prep.standardization.mean, ...prep.standardization.std]).toEqual([0, 0, 1, 1]);
    const regionsOf = async (spec: MlpSpec, W1: number[], b1: number[]) => {
      const m = new MlpModel(spec, 1);
      const p = m.getParams();
      p[0]!.data = W1;
      p[1]!.data = b1;
      m.setParams(p);
      return (await decisionSurface(m, prep, X, 4)).regions;
    };
    const relu = (units: number): MlpSpec => ({ inputDim: 2, hidden: [units], activation: "relu", task: "binary", outputDim: 1 });
    // One unit z = x: on for x > 0, off otherwise → 2 patterns.
    expect(await regionsOf(relu(1), [1, 0], [0])).toBe(2);
    // z₁ = x, z₂ = y → the four quadrants.
    expect(await regionsOf(relu(2), [1, 0, 0, 1], [0, 0])).toBe(4);
    // A unit that is never on: 1 pattern.
    expect(await regionsOf(relu(1), [1, 0], [-100])).toBe(1);
    // A maxout unit with pieces (x, −x): the winner flips at x = 0 → 2 patterns.
    const maxout: MlpSpec = { inputDim: 2, hidden: [1], activation: "maxout", task: "binary", outputDim: 1 };
    expect(await regionsOf(maxout, [1, -1, 0, 0], [0, 0])).toBe(2);
  });
});
