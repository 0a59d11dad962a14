// Same seed → same study on js and native: one study configuration cross-validated on both
// (layers wide enough that the native side takes its OpenBLAS path, not its small-matrix loops).
// Tolerance: the backends round differently in the last float32 bits (GEMM summation order,
// float exp/tanh), which training amplifies a little. Measured: held-out losses agree to ~1e-5
// relative after 15 epochs; the test allows 1e-3 relative per fold loss, and accuracies within
// one held-out point (1/60) per fold and 0.01 for the CV mean.
import { describe, expect, it } from "vitest";
import { generateDataset, kFoldSplits } from "@automl/datasets";
import { crossValidate, type Backend, type MlpSpec, type TrainConfig } from "@automl/nn";
import { requireNative } from "./support";

const native = requireNative();

describe.skipIf(!native)("crossValidate: js and native give the same study", () => {
  const data = generateDataset({ builtin: "spirals", n: 300, noise: 0.1, classes: 3 }, 5);
  const folds = kFoldSplits(data.y, 5, { stratified: true, seed: 5 });
  const spec: MlpSpec = { inputDim: 2, hidden: [64, 48], activation: ["prelu", "tanh"], task: "multiclass", outputDim: 3 };
  const train: TrainConfig = {
    learningRate: 0.1,
    batchSize: 32,
    epochs: 15,
    momentum: 0.9,
    weightDecay: 1e-4,
    clipNorm: 5,
    schedule: { type: "cosine" },
  };

  it("same CV scores and fold losses within tolerance; each outcome names its backend", async () => {
    const run = (backend: Backend | undefined) =>
      crossValidate({ X: data.X, y: data.y, n: data.n, d: data.d }, folds, spec, train, { seed: 9, metric: "accuracy", surface: false, backend });
    const js = await run(undefined);
    const nat = await run(native!.backend);
    expect(js.backend).toBe("js");
    expect(nat.backend).toBe("native");
    expect(nat.status).toBe("completed");
    expect(js.mean).toBeGreaterThan(0.6); // it learned something, so the comparison means something
    expect(Math.abs(nat.mean - js.mean)).toBeLessThanOrEqual(0.01);
    nat.folds.forEach((f, i) => {
      const want = js.folds[i]!.loss;
      expect(Math.abs(f.loss - want), `fold ${i} loss ${f.loss} vs ${want}`).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(want)));
      expect(Math.abs(f.score - js.folds[i]!.score), `fold ${i} accuracy`).toBeLessThanOrEqual(1 / 60 + 1e-9);
    });
  });
});
