import { describe, expect, it } from "vitest";
import { generateDataset, kFoldSplits } from "@automl/datasets";
import { crossValidate, type CvCheckpoint, type CvOutcome } from "./cv";
import { decodeCheckpoint, encodeCheckpoint, CheckpointFormatError } from "./checkpoint";
import type { TrainConfig } from "./train";
import type { MlpSpec } from "./types";

const data = generateDataset({ builtin: "spirals", n: 240, noise: 0.2, classes: 3 }, 4);
const folds = kFoldSplits(data.y, 3, { stratified: true, seed: 4 });
const spec: MlpSpec = { inputDim: 2, hidden: [12, 8], activation: ["prelu", "tanh"], task: "multiclass", outputDim: 3 };

/** The uninterrupted run, keeping every checkpoint it saves (one per epoch) in byte form. */
async function reference(train: TrainConfig) {
  const saved: Uint8Array[] = [];
  const epochs: string[] = [];
  const outcome = await crossValidate(data, folds, spec, train, {
    seed: 9,
    metric: "accuracy",
    onEpoch: (f, r) => (epochs.push(`${f}:${r.epoch}:${r.validMetric}`), "continue"),
    checkpoint: { due: () => true, save: (cp) => void saved.push(encodeCheckpoint(cp)) },
  });
  return { outcome, saved, epochs };
}

const withoutDiagnostics = (o: CvOutcome) => ({ ...o, surface: o.surface ? "present" : "absent" });

describe("checkpoints", () => {
  for (const [name, train] of [
    ["momentum + weight decay", { learningRate: 0.1, batchSize: 16, epochs: 6, momentum: 0.9, weightDecay: 1e-4 }],
    ["early stopping + cosine", { learningRate: 0.2, batchSize: 32, epochs: 8, schedule: { type: "cosine" }, earlyStopping: { patience: 2, validationFraction: 0.2 } }],
  ] as [string, TrainConfig][]) {
    it(`resumes from any checkpoint to exactly the uninterrupted outcome (${name}, js)`, async () => {
      const ref = await reference(train);
      const plain = await crossValidate(data, folds, spec, train, { seed: 9, metric: "accuracy" });
      // Checkpointing itself changes nothing.
      expect(withoutDiagnostics(ref.outcome)).toEqual(withoutDiagnostics(plain));
      expect(ref.saved.length).toBeGreaterThan(6);
      for (const bytes of ref.saved) {
        const cp = decodeCheckpoint(bytes);
        const heard: string[] = [];
        const resumed = await crossValidate(data, folds, spec, train, { seed: 9, metric: "accuracy", resume: cp, onEpoch: (f, r) => (heard.push(`${f}:${r.epoch}:${r.validMetric}`), "continue") });
        expect(resumed.folds).toEqual(ref.outcome.folds);
        expect([resumed.mean, resumed.std, resumed.status]).toEqual([ref.outcome.mean, ref.outcome.std, ref.outcome.status]);
        // Only the epochs after the checkpoint are trained (and reported), with the same values.
        expect(ref.epochs.slice(ref.epochs.length - heard.length)).toEqual(heard);
        const skipped = cp.current ? ref.epochs.findIndex((e) => e.startsWith(`${cp.current!.fold}:${cp.current!.epoch}:`)) + 1 : ref.epochs.filter((e) => Number(e.split(":")[0]) < cp.done.length).length;
        expect(heard.length).toBe(ref.epochs.length - skipped);
      }
    });
  }

  it("refuses a checkpoint of another model or a damaged file", async () => {
    const train = { learningRate: 0.1, batchSize: 16, epochs: 3, momentum: 0.5 };
    const { saved } = await reference(train);
    const cp = decodeCheckpoint(saved[0]!);
    const wider: MlpSpec = { ...spec, hidden: [13, 8] };
    await expect(crossValidate(data, folds, wider, train, { seed: 9, metric: "accuracy", resume: cp })).rejects.toThrow(/does not fit this model/);
    const noMomentum = { ...train, momentum: 0 };
    await expect(crossValidate(data, folds, spec, noMomentum, { seed: 9, metric: "accuracy", resume: cp })).rejects.toThrow(/does not fit this model/);
    const foreign: CvCheckpoint = { ...cp, done: [{ ...ref0(cp), fold: 1 }] };
    await expect(crossValidate(data, folds, spec, train, { seed: 9, metric: "accuracy", resume: foreign })).rejects.toThrow(/not a checkpoint of this run/);
    expect(() => decodeCheckpoint(new TextEncoder().encode("AMLCKPT1garbage"))).toThrow(CheckpointFormatError);
    expect(() => decodeCheckpoint(saved[0]!.subarray(0, saved[0]!.length - 8))).toThrow(CheckpointFormatError);
  });
});

/** A finished-fold record to tamper with. */
function ref0(cp: CvCheckpoint) {
  return cp.done[0] ?? { fold: 0, status: "completed" as const, score: 1, loss: 0, epochs: 1, metrics: {}, inputDim: 2, paramCount: 1 };
}
