import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { crossValidate, type EpochReport } from "./cv";
import { applyPreprocessor, fitPreprocessor } from "./preprocess";
import type { MlpSpec, ParamSnapshot } from "./types";

describe("fitPreprocessor / applyPreprocessor", () => {
  // 5 rows × 3 columns; column 1 holds category codes.
  const X = Float32Array.from([
    0, 2, 10, /**/ 2, 0, 20, /**/ 4, 2, 30, /**/ 6, 7, 40, /**/ 1000, 5, -1e6,
  ]);
  const trainRows = Int32Array.from([0, 1, 2]);

  it("standardizes numeric columns with the training rows' statistics only", () => {
    const p = fitPreprocessor(X, 3, trainRows, [1]);
    expect(p.standardization.mean[0]).toBe(2);
    expect(p.standardization.mean[2]).toBe(20);
    expect(p.categories).toEqual([null, [0, 2], null]);
    expect(p.width).toBe(4); // x0 | onehot(0), onehot(2) | x2
    const out = applyPreprocessor(p, X, Int32Array.from([2, 4]));
    const s0 = Math.sqrt(8 / 3);
    const s2 = Math.sqrt(200 / 3);
    const want = [2 / s0, 0, 1, 10 / s2, 998 / s0, 0, 0, (-1e6 - 20) / s2];
    want.forEach((w, i) => expect(out[i]).toBe(Math.fround(w)));
  });

  it("one-hot encodes with the training codes; a code unseen in training is all zeros", () => {
    const p = fitPreprocessor(X, 3, trainRows, [1]);
    const out = applyPreprocessor(p, X, Int32Array.from([0, 1, 3]));
    // codes 2, 0, 7 → [0, 1], [1, 0], [0, 0]
    expect([out[1], out[2], out[5], out[6], out[9], out[10]]).toEqual([0, 1, 1, 0, 0, 0]);
  });

  it("without categorical columns it is exactly the old standardization", () => {
    const p = fitPreprocessor(X, 3, trainRows);
    expect(p.width).toBe(3);
    const out = applyPreprocessor(p, X, Int32Array.from([4]));
    expect(out[0]).toBe(Math.fround(998 / Math.sqrt(8 / 3)));
  });
});

describe("no preprocessing leakage in crossValidate", () => {
  // 3 numeric features and one categorical column (codes 0..2); binary labels.
  const n = 90;
  const d = 4;
  const rng = createRng(5);
  const X = new Float32Array(n * d);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) X[i * d + j] = rng.normal() * (j + 1) + 5 * j;
    X[i * d + 3] = i % 3;
    y[i] = X[i * d]! + (i % 3 === 1 ? 1 : -0.5) > 0 ? 1 : 0;
  }
  const train = Int32Array.from({ length: 60 }, (_, i) => i);
  const test = Int32Array.from({ length: 30 }, (_, i) => 60 + i);
  const spec: MlpSpec = { inputDim: d, hidden: [8], activation: "relu", task: "binary", outputDim: 1 };
  const cfg = { learningRate: 0.1, batchSize: 8, epochs: 8 };

  async function trained(Xdata: Float32Array) {
    let params: ParamSnapshot[] = [];
    const curve: number[] = [];
    const cv = await crossValidate(
      { X: Xdata, y, n, d, categorical: [3] },
      [{ train, test }],
      spec,
      cfg,
      {
        seed: 2,
        metric: "accuracy",
        onEpoch: (_f, r: EpochReport) => {
          curve.push(r.trainLoss, ...r.diagnostics.gradNorms, ...r.diagnostics.weightNorms);
          return "continue";
        },
        onFoldTrained: (_f, model) => {
          params = model.getParams();
        },
      },
    );
    return { cv, params, curve };
  }

  it("changing only the held-out rows (scaled wildly, unseen codes) leaves the trained model and its training curve identical", async () => {
    const a = await trained(X);
    const Xwild = X.slice();
    for (const r of test) {
      for (let j = 0; j < 3; j++) Xwild[r * d + j] = Xwild[r * d + j]! * 1e4 - 3e5;
      Xwild[r * d + 3] = 9; // a category the training part never saw
    }
    const b = await trained(Xwild);
    expect(b.params).toEqual(a.params);
    expect(b.curve).toEqual(a.curve);
    // The held-out part did change what was measured on it.
    expect(b.cv.folds[0]!.loss).not.toBe(a.cv.folds[0]!.loss);
  });

  it("one-hot width comes from the training part's categories", async () => {
    const a = await trained(X);
    expect(a.cv.folds[0]!.inputDim).toBe(3 + 3);
    expect(a.params[0]!.shape).toEqual([6, 8]);
    // Only codes {0, 1} in the training part: the model's input is one column narrower, even
    // though the held-out part has code 2.
    const X2 = X.slice();
    for (const r of train) if (X2[r * d + 3] === 2) X2[r * d + 3] = 0;
    const b = await trained(X2);
    expect(b.cv.folds[0]!.inputDim).toBe(3 + 2);
    expect(b.cv.paramCount).toBe(5 * 8 + 8 + 8 + 1);
    expect(b.cv.surface).toBeUndefined(); // not 2-D
  });

  it("accepts @automl/datasets' CategoricalColumn objects and rejects bad columns", async () => {
    const withObjects = await crossValidate(
      { X, y, n, d, categorical: [{ column: 3, name: "c", levels: ["a", "b", "c"] } as { column: number }] },
      [{ train, test }],
      spec,
      cfg,
      { seed: 2, metric: "accuracy" },
    );
    expect(withObjects.folds[0]!.inputDim).toBe(6);
    const opts = { seed: 2, metric: "accuracy" as const };
    await expect(crossValidate({ X, y, n, d, categorical: [4] }, [{ train, test }], spec, cfg, opts)).rejects.toThrow("data.categorical[0]");
    await expect(crossValidate({ X, y, n, d, categorical: [0] }, [{ train, test }], spec, cfg, opts)).rejects.toThrow("integer code");
  });
});
