import { describe, expect, it } from "vitest";
import { fitStandardization, gatherRows, gatherStandardized, validateTrainConfig } from "./train";

describe("standardization", () => {
  // 4 rows × 2 features; the second feature is constant.
  const X = Float32Array.from([0, 5, 2, 5, 4, 5, 100, 5]);

  it("uses only the given rows", () => {
    const s = fitStandardization(X, 2, Int32Array.from([0, 1, 2]));
    expect([...s.mean]).toEqual([2, 5]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(s.std[1]).toBe(1); // constant feature: centred to 0, not divided by 0
    const out = gatherStandardized(X, 2, Int32Array.from([3, 1]), s);
    expect(out[0]).toBeCloseTo(98 / Math.sqrt(8 / 3), 4);
    expect([out[1], out[2], out[3]]).toEqual([0, 0, 0]);
  });

  it("gatherRows packs selected rows", () => {
    const dst = new Float32Array(4);
    gatherRows(X, 2, Int32Array.from([9, 3, 1]), 1, 2, dst);
    expect([...dst]).toEqual([100, 5, 2, 5]);
  });
});

describe("validateTrainConfig", () => {
  it("names the bad field", () => {
    expect(() => validateTrainConfig({ learningRate: 0, batchSize: 4, epochs: 1 })).toThrow("train.learningRate");
    expect(() => validateTrainConfig({ learningRate: 0.1, batchSize: 0, epochs: 1 })).toThrow("train.batchSize");
    expect(() => validateTrainConfig({ learningRate: 0.1, batchSize: 4, epochs: 1.5 })).toThrow("train.epochs");
    expect(() => validateTrainConfig({ learningRate: 0.1, batchSize: 4, epochs: 1 })).not.toThrow();
  });
});
