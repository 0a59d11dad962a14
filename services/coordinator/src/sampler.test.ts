import { describe, expect, it } from "vitest";
import { parseStudyFile } from "./study-file";
import { sampleRandom, trialSeed } from "./sampler";

const space = parseStudyFile(`
name: s
dataset: { builtin: xor }
task: binary
space:
  depth: { int: [1, 4] }
  width: { int: [2, 64], log: true, perLayer: true }
  activation: { choice: [relu, sigmoid, tanh] }
  learningRate: { float: [0.001, 1.0], log: true }
  batchSize: { choice: [4, 16, 64] }
  epochs: 10
objective: { metric: accuracy, direction: maximize }
budget: { trials: 5 }
`).space!;

describe("random sampler", () => {
  const draws = Array.from({ length: 2000 }, (_, n) => sampleRandom(space, 11, n));

  it("is a function of (seed, trial number)", () => {
    expect(sampleRandom(space, 11, 5)).toEqual(draws[5]);
    expect(sampleRandom(space, 12, 5)).not.toEqual(draws[5]);
    expect(trialSeed(11, 5)).toBe(trialSeed(11, 5));
    expect(trialSeed(11, 5)).not.toBe(trialSeed(11, 6));
  });

  it("draws one width per active layer, within bounds", () => {
    for (const p of draws) {
      expect(p.widths).toHaveLength(p.depth);
      expect(p.depth).toBeGreaterThanOrEqual(1);
      expect(p.depth).toBeLessThanOrEqual(4);
      for (const w of p.widths) expect(Number.isInteger(w) && w >= 2 && w <= 64).toBe(true);
      expect(p.learningRate).toBeGreaterThanOrEqual(0.001);
      expect(p.learningRate).toBeLessThanOrEqual(1);
      expect([4, 16, 64]).toContain(p.batchSize);
      expect(p.epochs).toBe(10);
    }
  });

  it("covers every value of each dimension, log-uniformly for log ranges", () => {
    expect(new Set(draws.map((p) => p.depth))).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(draws.map((p) => p.activations[0]))).toEqual(new Set(["relu", "sigmoid", "tanh"]));
    expect(draws.every((p) => p.activations.length === p.depth && new Set(p.activations).size === 1)).toBe(true);
    // Log-uniform on [0.001, 1]: about a third of the draws in each decade.
    const below01 = draws.filter((p) => p.learningRate < 0.01).length / draws.length;
    expect(below01).toBeGreaterThan(0.28);
    expect(below01).toBeLessThan(0.39);
    // Widths of one trial differ when perLayer is set.
    expect(draws.some((p) => p.depth > 1 && new Set(p.widths).size > 1)).toBe(true);
  });
});
