import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { startTestStack, type TestStack } from "@automl/coordinator/testing";
import { AshaPruner, type TrialCurve, type TrialState } from "@automl/search";
import { startWorker, type RunningWorker } from "@automl/worker";

const available = await postgresAvailable();

const FOLDS = 3;
const ASHA = { minEpochs: 1, reductionFactor: 3 };
/**
 * `cv: { interleave: true }` with ASHA: the folds train side by side and the pruner judges the mean
 * over folds. One trial at a time, so every decision sees exactly the trials numbered before it.
 */
const STUDY = `
name: interleaved-asha
dataset: { builtin: xor, n: 120, noise: 0.3 }
task: binary
space:
  depth: 1
  width: { int: [2, 8] }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.001, 3.0], log: true }
  batchSize: 16
  epochs: 9
cv: { folds: ${FOLDS}, stratified: true, interleave: true }
objective: { metric: accuracy, direction: maximize }
sampler: random
pruner: { asha: { minEpochs: ${ASHA.minEpochs}, reductionFactor: ${ASHA.reductionFactor} } }
budget: { trials: 10, parallel: 1 }
seed: 7
`;

const STATE: Record<string, TrialState> = { COMPLETED: "COMPLETE", PRUNED: "PRUNED", DIVERGED: "FAILED", FAILED: "FAILED" };

describe.skipIf(!available)("interleaved folds: the pruner judges the mean over folds", () => {
  let stack: TestStack<RunningWorker>;

  beforeAll(async () => {
    stack = await startTestStack({
      queue: { memory: { ackWaitMs: 10_000, maxDeliver: 3 } },
      scheduler: { intervalMs: 100 },
      worker: (s) => startWorker({ queue: s.queue, coordinator: s.coordinator.address, pool: "cpu", log: silentLogger(), concurrency: 1, heartbeatMs: 1_000, backend: "js" }),
    });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it("stops every fold at the same rung, and each decision is ASHA's on the fold means", async () => {
    const { id, status } = await stack.runToEnd(STUDY, { timeoutMs: 90_000 });
    expect(status).toBe("COMPLETED");
    const trials = await stack.db.trial.findMany({ where: { studyId: id }, include: { epochs: true, folds: true }, orderBy: { number: "asc" } });
    expect(trials).toHaveLength(10);
    const pruned = trials.filter((t) => t.status === "PRUNED");
    expect(pruned.length).toBeGreaterThan(0);
    expect(trials.some((t) => t.status === "COMPLETED")).toBe(true);

    // Mean over folds at each epoch, per trial.
    const means = new Map<number, Map<number, number>>();
    for (const t of trials) {
      const byEpoch = new Map<number, number[]>();
      for (const e of t.epochs) byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), e.validMetric]);
      means.set(t.number, new Map([...byEpoch].map(([e, v]) => [e, v.reduce((a, x) => a + x, 0) / v.length])));
    }
    for (const t of pruned) {
      // Interleaved: all folds trained up to the same epoch, a rung of ASHA, and then stopped together.
      const last = [0, 1, 2].map((f) => Math.max(...t.epochs.filter((e) => e.fold === f).map((e) => e.epoch)));
      expect(new Set(last).size, `trial #${t.number}: last epoch per fold ${last}`).toBe(1);
      expect([1, 3]).toContain(last[0]);
    }
    // Replay every rung decision with the pruner on the fold means of the trials before it: the
    // coordinator must have pruned exactly where ASHA on the means says so.
    const pruner = new AshaPruner(ASHA);
    for (const t of trials) {
      if (t.status === "DIVERGED") continue;
      const reached = [...means.get(t.number)!.keys()].filter((e) => e === 1 || e === 3);
      for (const epoch of reached.sort((a, b) => a - b)) {
        const history: TrialCurve[] = trials
          .filter((o) => o.number < t.number && means.get(o.number)!.has(epoch))
          .map((o) => ({ number: o.number, state: STATE[o.status]!, intermediate: new Map([[epoch, means.get(o.number)!.get(epoch)!]]) }));
        const value = means.get(t.number)!.get(epoch)!;
        history.push({ number: t.number, state: "RUNNING", intermediate: new Map([[epoch, value]]) });
        const d = pruner.decide({ trialNumber: t.number, epoch, value, direction: "maximize", history });
        const lastEpoch = Math.max(...means.get(t.number)!.keys());
        const prunedHere = t.status === "PRUNED" && lastEpoch === epoch;
        expect(d.prune, `trial #${t.number} at epoch ${epoch}`).toBe(prunedHere);
      }
    }
  });
});
