import { describe, expect, it } from "vitest";
import { evaluateMetric, evaluateMetrics, metricDirection, metricFitsTask } from "./metrics";

const f32 = (xs: number[]) => Float32Array.from(xs);

describe("evaluateMetric", () => {
  it("accuracy: binary thresholds σ(z) at 0.5, multiclass takes the argmax", () => {
    expect(evaluateMetric("accuracy", f32([0.9, 0.2, 0.5, 0.49]), f32([1, 0, 1, 1]), 4, "binary")).toBe(0.75);
    const probs = f32([0.1, 0.7, 0.2, 0.5, 0.3, 0.2, 0.2, 0.2, 0.6]);
    expect(evaluateMetric("accuracy", probs, f32([1, 0, 0]), 3, "multiclass")).toBeCloseTo(2 / 3, 12);
  });

  it("logloss: mean −log p(y), clipped so saturated probabilities stay finite", () => {
    const binary = evaluateMetric("logloss", f32([0.8, 0.25]), f32([1, 0]), 2, "binary");
    expect(binary).toBeCloseTo(-(Math.log(0.8) + Math.log(0.75)) / 2, 6);
    const multi = evaluateMetric("logloss", f32([0.2, 0.5, 0.3, 0.6, 0.3, 0.1]), f32([1, 0]), 2, "multiclass");
    expect(multi).toBeCloseTo(-(Math.log(0.5) + Math.log(0.6)) / 2, 6);
    const saturated = evaluateMetric("logloss", f32([0, 1]), f32([1, 0]), 2, "binary");
    expect(saturated).toBeCloseTo(-Math.log(1e-15), 6);
  });

  it("mse and r2 (multi-output r2 averages the outputs)", () => {
    expect(evaluateMetric("mse", f32([1, 2, 3]), f32([1, 3, 5]), 3, "regression")).toBeCloseTo(5 / 3, 6);
    // y = (1, 2, 3), mean 2, SS_tot = 2; predictions off by (0, 1, 0): SS_res = 1 → r² = 0.5
    expect(evaluateMetric("r2", f32([1, 3, 3]), f32([1, 2, 3]), 3, "regression")).toBeCloseTo(0.5, 6);
    expect(evaluateMetric("r2", f32([1, 2, 3]), f32([1, 2, 3]), 3, "regression")).toBe(1);
    // Two outputs: first perfect (1), second r² = 0.5 → 0.75
    const out = f32([1, 1, 2, 3, 3, 3]);
    const y = f32([1, 1, 2, 2, 3, 3]);
    expect(evaluateMetric("r2", out, y, 3, "regression")).toBeCloseTo(0.75, 6);
    // Constant target: sklearn's convention (1 if exact, else 0) rather than −∞/NaN.
    expect(evaluateMetric("r2", f32([2, 2]), f32([2, 2]), 2, "regression")).toBe(1);
    expect(evaluateMetric("r2", f32([1, 3]), f32([2, 2]), 2, "regression")).toBe(0);
  });

  it("f1: 2TP / (2TP + FP + FN) of the positive class at the 0.5 threshold", () => {
    // predictions 1 1 0 1 0 1 against 1 0 1 1 0 0: TP = 2, FP = 2, FN = 1 → 4/7
    const out = f32([0.9, 0.6, 0.2, 0.7, 0.4, 0.5]);
    expect(evaluateMetric("f1", out, f32([1, 0, 1, 1, 0, 0]), 6, "binary")).toBeCloseTo(4 / 7, 12);
    // No positive predicted and none present: 0 (sklearn's zero_division default).
    expect(evaluateMetric("f1", f32([0.1, 0.2]), f32([0, 0]), 2, "binary")).toBe(0);
    expect(evaluateMetric("f1", f32([0.9, 0.8]), f32([1, 1]), 2, "binary")).toBe(1);
  });

  it("auc: rank statistic with tied scores sharing their average rank", () => {
    // positives 0.35, 0.8, 0.4 vs negatives 0.1, 0.4: pairs won 1 + 2 + 1.5 (a tie counts ½) = 4.5 of 6
    const scores = f32([0.1, 0.4, 0.35, 0.8, 0.4]);
    expect(evaluateMetric("auc", scores, f32([0, 0, 1, 1, 1]), 5, "binary")).toBe(0.75);
    // All scores tied: 0.5; perfectly ranked: 1; reversed: 0.
    expect(evaluateMetric("auc", f32([0.3, 0.3, 0.3]), f32([1, 0, 1]), 3, "binary")).toBe(0.5);
    expect(evaluateMetric("auc", f32([0.1, 0.2, 0.9]), f32([0, 0, 1]), 3, "binary")).toBe(1);
    expect(evaluateMetric("auc", f32([0.9, 0.2, 0.1]), f32([0, 0, 1]), 3, "binary")).toBe(0);
    // One class only: undefined.
    expect(evaluateMetric("auc", f32([0.1, 0.9]), f32([1, 1]), 2, "binary")).toBeNaN();
  });

  it("evaluateMetrics reports every metric of the task", () => {
    const binary = evaluateMetrics(f32([0.9, 0.2, 0.6, 0.4]), f32([1, 0, 0, 1]), 4, "binary");
    expect(Object.keys(binary)).toEqual(["accuracy", "logloss", "f1", "auc"]);
    expect(binary.accuracy).toBe(0.5);
    expect(binary.auc).toBe(0.75);
    expect(Object.keys(evaluateMetrics(f32([0.2, 0.8, 0.6, 0.4]), f32([1, 0]), 2, "multiclass"))).toEqual(["accuracy", "logloss"]);
    const reg = evaluateMetrics(f32([1, 3, 3]), f32([1, 2, 3]), 3, "regression");
    expect(reg).toEqual({ mse: expect.closeTo(1 / 3, 6), r2: expect.closeTo(0.5, 6) });
  });

  it("rejects a metric that does not fit the task", () => {
    expect(metricFitsTask("auc", "multiclass")).toBe(false);
    expect(() => evaluateMetric("f1", f32([0.5, 0.5]), f32([1]), 1, "multiclass")).toThrow(/not defined for task multiclass/);
    expect(() => evaluateMetric("accuracy", f32([1]), f32([1]), 1, "regression")).toThrow(/not defined for task regression/);
    expect(() => evaluateMetric("r2", f32([1]), f32([1]), 1, "binary")).toThrow(/metric/);
  });

  it("directions", () => {
    expect(metricDirection("accuracy")).toBe("maximize");
    expect(metricDirection("r2")).toBe("maximize");
    expect(metricDirection("logloss")).toBe("minimize");
    expect(metricDirection("mse")).toBe("minimize");
    expect(metricDirection("f1")).toBe("maximize");
    expect(metricDirection("auc")).toBe("maximize");
  });
});
