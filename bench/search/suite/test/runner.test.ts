// The suite's scoring: regret at each checkpoint is the optimum minus the TRUE value of the
// incumbent (the trial with the best observed value so far), so a lucky noisy draw is not
// credited; and our samplers run through the public Sampler API reproducibly.
import { describe, expect, it } from "vitest";
import { RandomSampler } from "@automl/search";
import { regretCurve, runOurs } from "../runner";
import { SYNTHETIC_OBJECTIVES } from "../synthetic";

describe("suite runner", () => {
  const noisy = SYNTHETIC_OBJECTIVES.find((o) => o.name === "synthetic/lr-momentum-batch-noisy")!;

  it("scores the incumbent by observed value, its regret by true value", () => {
    const good = noisy.argmax;
    const worse = { ...good, momentum: 0.2 };
    // The worse configuration was observed higher (noise): it is the incumbent, its true regret counts.
    const observed = [
      { params: good, value: 0.95 },
      { params: worse, value: 1.05 },
    ];
    const [r1, r2] = regretCurve(noisy, observed, [1, 2]);
    expect(r1).toBe(0);
    expect(r2).toBeCloseTo(1 - noisy.trueValue(worse), 12);
    expect(r2).toBeGreaterThan(0);
  });

  it("regret never rises with more trials on a noise-free objective, and a run is reproducible", () => {
    const obj = SYNTHETIC_OBJECTIVES[0]!;
    const a = runOurs(obj, new RandomSampler(), 3, [10, 20, 40]);
    expect(a).toEqual(runOurs(obj, new RandomSampler(), 3, [10, 20, 40]));
    expect(a[1]!).toBeLessThanOrEqual(a[0]!);
    expect(a[2]!).toBeLessThanOrEqual(a[1]!);
  });
});
