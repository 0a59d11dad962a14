import { describe, expect, it } from "vitest";
import { rungAt } from "@automl/search";
import { reportPlan } from "./report-plan";

describe("reportPlan", () => {
  it("asks for no answer without a pruner and for every fold-0 epoch with the median pruner", () => {
    expect(reportPlan({ pruner: "none" }, 40)).toEqual({ batchReports: true, decisionEpochs: [], decideEveryEpoch: false });
    expect(reportPlan({ pruner: { median: { startupTrials: 2, warmupEpochs: 1 } } } as never, 40).decideEveryEpoch).toBe(true);
  });

  it("lists exactly ASHA's rung epochs up to the trial's epochs", () => {
    const options = { minEpochs: 2, reductionFactor: 3 };
    const plan = reportPlan({ pruner: { asha: options } } as never, 60);
    expect(plan.decisionEpochs).toEqual([2, 6, 18, 54]);
    // Independent check: the epochs where rungAt says "this is a rung epoch".
    const rungs = Array.from({ length: 60 }, (_, i) => i + 1).filter((e) => rungAt(e, options)?.rungEpoch === e);
    expect(plan.decisionEpochs).toEqual(rungs);
    expect(reportPlan({ pruner: "asha" }, 9).decisionEpochs).toEqual([1, 3, 9]);
  });
});
