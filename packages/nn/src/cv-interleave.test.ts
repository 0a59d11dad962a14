import { describe, expect, it } from "vitest";
import { generateDataset, kFoldSplits } from "@automl/datasets";
import { crossValidate, type EpochReport } from "./cv";
import type { MlpSpec } from "./types";

const data = generateDataset({ builtin: "spirals", n: 300, noise: 0.1 }, 2);
const folds = kFoldSplits(data.y, 3, { stratified: true, seed: 2 });
const spec: MlpSpec = { inputDim: 2, hidden: [16, 8], activation: "tanh", task: "multiclass", outputDim: 3 };
const train = { learningRate: 0.1, batchSize: 16, epochs: 12, momentum: 0.9 };

describe("crossValidate with interleave (js backend)", () => {
  it("gives the sequential run's fold scores, losses and per-epoch reports, epoch-major", async () => {
    const seq: [number, EpochReport][] = [];
    const inter: [number, EpochReport][] = [];
    const a = await crossValidate(data, folds, spec, train, { seed: 5, metric: "accuracy", onEpoch: (f, r) => (seq.push([f, r]), "continue") });
    const b = await crossValidate(data, folds, spec, train, { seed: 5, metric: "accuracy", interleave: true, onEpoch: (f, r) => (inter.push([f, r]), "continue") });
    expect(b.status).toBe("completed");
    expect(b.folds.map((f) => f.score)).toEqual(a.folds.map((f) => f.score));
    expect(b.folds.map((f) => f.loss)).toEqual(a.folds.map((f) => f.loss));
    expect(b.mean).toBe(a.mean);
    expect(b.surface).toEqual(a.surface);
    // Sequential: fold-major; interleaved: epoch-major, folds in order within an epoch.
    expect(seq.map(([f, r]) => [f, r.epoch])).toEqual([0, 1, 2].flatMap((f) => Array.from({ length: 12 }, (_, e) => [f, e + 1])));
    expect(inter.map(([f, r]) => [f, r.epoch])).toEqual(Array.from({ length: 12 }, (_, e) => [0, 1, 2].map((f) => [f, e + 1])).flat());
    const key = ([f, r]: [number, EpochReport]) => `${f}:${r.epoch}`;
    const seqBy = new Map(seq.map((x) => [key(x), x[1].validMetric]));
    for (const x of inter) expect(x[1].validMetric).toBe(seqBy.get(key(x)));
  });

  it("stops every fold when the caller stops after an epoch (the mean over folds as the signal)", async () => {
    const seen: number[][] = [];
    const out = await crossValidate(data, folds, spec, train, {
      seed: 5,
      metric: "accuracy",
      interleave: true,
      onEpoch: (fold, r) => {
        (seen[r.epoch - 1] ??= []).push(r.validMetric);
        return fold === 2 && r.epoch === 4 ? "stop" : "continue";
      },
    });
    expect(out.status).toBe("stopped");
    expect(out.folds.map((f) => f.epochs)).toEqual([4, 4, 4]);
    expect(seen.map((s) => s.length)).toEqual([3, 3, 3, 3]);
  });

  it("ends as diverged, naming the fold, when one fold diverges", async () => {
    const relu: MlpSpec = { ...spec, activation: "relu", hidden: [64, 64] };
    const wild = { ...train, learningRate: 1e4 };
    const seq = await crossValidate(data, folds, relu, wild, { seed: 5, metric: "accuracy" });
    const out = await crossValidate(data, folds, relu, wild, { seed: 5, metric: "accuracy", interleave: true });
    expect(seq.status).toBe("diverged");
    expect(out.status).toBe("diverged");
    expect(out.folds.find((f) => f.status === "diverged")!.divergedAtEpoch).toBe(seq.folds.at(-1)!.divergedAtEpoch);
    expect(Number.isNaN(out.mean)).toBe(true);
    expect(out.divergedAt?.fold).toBe(out.folds.find((f) => f.status === "diverged")!.fold);
  });
});
