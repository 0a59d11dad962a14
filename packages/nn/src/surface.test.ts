import { describe, expect, it } from "vitest";
import { generateDataset, kFoldSplits } from "@automl/datasets";
import { crossValidate } from "./cv";

describe("decision surface region map", () => {
  const xor = generateDataset({ builtin: "xor", n: 120, noise: 0.1 }, 2);
  const folds = kFoldSplits(xor.y, 3, { stratified: true, seed: 2 });
  const surfaceOf = async (hidden: number[]) =>
    (await crossValidate(xor, folds, { inputDim: 2, hidden, activation: "relu", task: "binary", outputDim: 1 }, { learningRate: 0.2, batchSize: 16, epochs: 3 }, { seed: 4, metric: "accuracy" })).surface!;

  it("labels every grid point with its pattern, numbered 0..regions−1 in first-seen order", async () => {
    const s = await surfaceOf([6, 6]);
    expect(s.regionMap).toHaveLength(s.grid * s.grid);
    expect(new Set(s.regionMap).size).toBe(s.regions);
    expect(s.regions).toBeGreaterThan(1);
    // First-seen order: each new id is exactly one more than the largest seen before it.
    let max = -1;
    for (const id of s.regionMap) {
      expect(id).toBeLessThanOrEqual(max + 1);
      max = Math.max(max, id);
    }
    expect(s.regionMap[0]).toBe(0);
  });

  it("is one region everywhere for a network without hidden layers", async () => {
    const s = await surfaceOf([]);
    expect(s.regions).toBe(1);
    expect(s.regionMap.every((id) => id === 0)).toBe(true);
  });
});
