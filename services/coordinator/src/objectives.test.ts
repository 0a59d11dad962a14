import { describe, expect, it } from "vitest";
import { objectiveValues, paretoTrials } from "./objectives";
import type { Objective } from "./study-file";

const acc: Objective = { metric: "accuracy", direction: "maximize" };
const params: Objective = { metric: "params", direction: "minimize" };
const logloss: Objective = { metric: "logloss", direction: "minimize" };

const trial = (cvMean: number, paramCount: number, loglosses: number[] = [0.5, 0.7]) => ({
  cvMean,
  paramCount,
  folds: loglosses.map((l) => ({ metrics: { accuracy: cvMean, logloss: l } })),
});

describe("objective values", () => {
  it("take the CV mean for the scored metric, the parameter count, and fold means for other metrics", () => {
    expect(objectiveValues([acc, params, logloss], "accuracy", trial(0.9, 120, [0.2, 0.4]))).toEqual([0.9, 120, expect.closeTo(0.3, 12)]);
    expect(objectiveValues([logloss], "accuracy", { cvMean: 0.9, paramCount: 3, folds: [{ metrics: { accuracy: 0.9 } }] })).toEqual([NaN]);
  });

  it("the Pareto front of accuracy ↑ and params ↓, checked by hand", () => {
    // (0.90, 100) and (0.95, 400) and (0.80, 10) trade off; (0.85, 200) is dominated by (0.90, 100);
    // (0.95, 500) by (0.95, 400); a trial with a missing value is never on the front.
    const trials = [trial(0.9, 100), trial(0.85, 200), trial(0.95, 400), trial(0.95, 500), trial(0.8, 10), { cvMean: null, paramCount: 1, folds: [] }];
    expect(paretoTrials([acc, params], "accuracy", trials)).toEqual([trials[0], trials[2], trials[4]]);
    // One objective: the front is the best trial(s).
    expect(paretoTrials([acc], "accuracy", trials)).toEqual([trials[2], trials[3]]);
  });
});
