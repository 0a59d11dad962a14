// The kernel benchmark's arithmetic (what its GFLOP/s and samples/s are computed from); the
// speeds themselves are measured by `npm run bench`, never asserted here.
import { describe, expect, it } from "vitest";
import { MlpModel } from "@automl/nn";
import { median, measure, QUICK_TIMING } from "../timing";
import { flopsPerStep, WORKLOADS, workloadData, workloadSpec } from "../workloads";

const byName = (n: string) => WORKLOADS.find((w) => w.name === n)!;

describe("kernel benchmark workloads", () => {
  it("FLOPs per step are 6·B·Σ Din·Dout (hand values)", () => {
    expect(flopsPerStep(byName("A"))).toBe(6 * 128 * (784 * 256 + 256 * 256 + 256 * 10));
    expect(flopsPerStep(byName("B4"))).toBe(6 * 4 * (2 * 8 + 8 * 1));
    expect(flopsPerStep(byName("C"))).toBe(6 * 256 * (3 * 1024 * 1024 + 1024 * 10));
  });

  it("each workload's spec builds the network it names (weights + biases)", () => {
    for (const w of WORKLOADS) {
      const m = new MlpModel(workloadSpec(w), 1);
      let want = 0;
      for (let l = 0; l + 1 < w.dims.length; l++) want += w.dims[l]! * w.dims[l + 1]! + w.dims[l + 1]!;
      expect(m.paramCount, w.name).toBe(want);
      expect(m.outputUnit, w.name).toBe(w.output);
    }
  });

  it("data: the right sizes, labels valid for the task, the same for the same seed", () => {
    for (const w of WORKLOADS) {
      const { X, y } = workloadData(w, 3);
      expect(X.length).toBe(w.batch * w.dims[0]!);
      expect(y.length).toBe(w.batch);
      const K = w.output === "softmax" ? w.dims[w.dims.length - 1]! : 2;
      expect([...y].every((v) => Number.isInteger(v) && v >= 0 && v < K)).toBe(true);
      expect(workloadData(w, 3).X).toEqual(X);
    }
  });

  it("median of odd and even counts; measure runs at least the minimum reps", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    let calls = 0;
    const m = measure(() => void calls++, { ...QUICK_TIMING, seconds: 0, warmupSeconds: 0, minReps: 4 });
    expect(m.reps.length).toBeGreaterThanOrEqual(4);
    expect(calls).toBeGreaterThanOrEqual(QUICK_TIMING.minWarmupSteps + 4 * m.stepsPerRep);
    expect(m.stepSeconds).toBe(median(m.reps));
  });
});
