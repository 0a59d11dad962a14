// Checkpoints on the native backend: its momentum lives in buffers the session hands out
// (momentumBuffers), so a run resumed from any checkpoint ends like the uninterrupted one. The
// addon's arithmetic is deterministic on one machine, so the scores match within float32
// rounding (checked at 1e-6; exact equality is what we observe).
import { describe, expect, it } from "vitest";
import { generateDataset, kFoldSplits } from "@automl/datasets";
import { crossValidate, decodeCheckpoint, encodeCheckpoint, type MlpSpec, type TrainConfig } from "@automl/nn";
import { requireNative } from "./support";

const native = requireNative();

describe.skipIf(!native)("native checkpoints", () => {
  it("resume from every checkpoint to the uninterrupted fold scores", async () => {
    const backend = native!.backend!;
    const data = generateDataset({ builtin: "circles", n: 300, noise: 0.1 }, 2);
    const folds = kFoldSplits(data.y, 3, { stratified: true, seed: 2 });
    const spec: MlpSpec = { inputDim: 2, hidden: [16, 16], activation: ["maxout", "relu"], task: "binary", outputDim: 1 };
    const train: TrainConfig = { learningRate: 0.05, batchSize: 16, epochs: 5, momentum: 0.9, weightDecay: 1e-4 };
    const saved: Uint8Array[] = [];
    const ref = await crossValidate(data, folds, spec, train, { seed: 3, metric: "accuracy", backend, checkpoint: { due: () => true, save: (cp) => void saved.push(encodeCheckpoint(cp)) } });
    expect(ref.backend).toBe("native");
    expect(saved.length).toBeGreaterThan(5);
    for (const bytes of saved) {
      const resumed = await crossValidate(data, folds, spec, train, { seed: 3, metric: "accuracy", backend, resume: decodeCheckpoint(bytes) });
      expect(resumed.folds.map((f) => f.epochs)).toEqual(ref.folds.map((f) => f.epochs));
      resumed.folds.forEach((f, i) => {
        expect(Math.abs(f.score - ref.folds[i]!.score)).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(f.loss - ref.folds[i]!.loss)).toBeLessThanOrEqual(1e-6 * Math.max(1, ref.folds[i]!.loss));
      });
    }
  });
});
