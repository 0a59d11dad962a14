// The multi-fidelity section's accounting: regret at an epoch checkpoint is that of the best trial
// completed within those epochs; a run with a pruner spends the budget and no more than one trial
// past it, pruned trials stop before the last epoch, and runs are reproducible.
import { describe, expect, it } from "vitest";
import { AshaPruner, RandomSampler, TpeSampler, type Params } from "@automl/search";
import { epochRegretCurve, epochsToReach, runOursMf, type MfTrial } from "../multifidelity";
import type { SuiteObjective } from "../objective";
import { tabularObjective } from "../tabular";

describe("multi-fidelity accounting", () => {
  const p = {} as Params;
  const obj = { direction: "maximize", optimum: 1 } as SuiteObjective;

  it("counts a trial at the epochs it ends, pruned trials never as incumbents", () => {
    const trials: MfTrial[] = [
      { params: p, epochs: 27, value: 0.5 },
      { params: p, epochs: 3 }, // pruned
      { params: p, epochs: 27, value: 0.9 },
      { params: p, epochs: 9 }, // pruned
    ];
    // 0.5 completes at 27; 0.9 at 27 + 3 + 27 = 57.
    expect(epochRegretCurve(obj, trials, [26, 27, 56, 57, 100])).toEqual([1, 0.5, 0.5, 1 - 0.9, 1 - 0.9]);
  });

  it("reads the epochs a seed-averaged curve needs to reach a target", () => {
    expect(epochsToReach([0.5, 0.3, 0.2, 0.1], [10, 20, 30, 40], 0.2, 40)).toEqual({ epochs: 30, ratio: 0.75 });
    expect(epochsToReach([0.5, 0.3], [10, 20], 0.1, 40)).toBeNull();
  });

  it("spends the budget with a pruner, prunes before the last epoch, reproducibly", () => {
    const wine = tabularObjective("wine");
    const budget = 40 * 27;
    const run = () => runOursMf(wine, new TpeSampler(), new AshaPruner({ minEpochs: 3, reductionFactor: 3 }), 5, budget);
    const a = run();
    expect(a).toEqual(run());
    const spent = a.reduce((s, t) => s + t.epochs, 0);
    expect(spent).toBeGreaterThanOrEqual(budget);
    expect(spent - a.at(-1)!.epochs).toBeLessThan(budget);
    const pruned = a.filter((t) => t.value === undefined);
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) expect(t.epochs).toBeLessThan(27);
    for (const t of a.filter((t) => t.value !== undefined)) expect(t.epochs).toBe(27);
    // More trials than full trainings fit in the budget: pruning bought them.
    expect(a.length).toBeGreaterThan(40);
    const r = epochRegretCurve(wine, a, [270, 540, 1080]);
    expect(r[1]!).toBeLessThanOrEqual(r[0]!);
    expect(r[2]!).toBeLessThanOrEqual(r[1]!);
    // Without a pruner every trial trains fully.
    expect(runOursMf(wine, new RandomSampler(), undefined, 5, 270).map((t) => t.epochs)).toEqual(Array(10).fill(27));
  });
});
