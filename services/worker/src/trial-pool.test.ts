import { afterEach, describe, expect, it } from "vitest";
import { TrialSpec } from "@automl/proto";
import type { EpochItem } from "./epoch-batches";
import { ThreadPool, TrialAbortedError } from "./trial-pool";
import { runTrial } from "./trial-runner";

const spec = (number: number, epochs = 6) =>
  TrialSpec.fromPartial({
    trialId: `t${number}`,
    studyId: "s",
    number,
    task: "binary",
    dataset: { builtin: "xor", n: 80, noise: 0.2 },
    widths: [4 + number],
    activation: "tanh",
    learningRate: 0.2,
    batchSize: 8,
    epochs,
    folds: 3,
    stratified: true,
    metric: "accuracy",
    seed: 5,
    trialSeed: 100 + number,
    batchReports: true,
  });

/** Every epoch a trial reports, as the worker would forward them. */
function collector() {
  const items: EpochItem[] = [];
  return { items, sink: async (batch: EpochItem[]) => (items.push(...batch), "continue" as const) };
}

describe("ThreadPool packing", () => {
  let pool: ThreadPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it("trains four trials at once on one thread with the outcomes and curves of running each alone", async () => {
    pool = new ThreadPool(4, {}, 1);
    const packed = await Promise.all(
      [0, 1, 2, 3].map(async (n) => {
        const c = collector();
        return { outcome: await pool!.run(spec(n), c.sink), items: c.items };
      }),
    );
    for (const [n, got] of packed.entries()) {
      const alone = collector();
      const outcome = await runTrial(spec(n), alone.sink, { backend: "js" });
      expect(got.outcome).toEqual(outcome);
      // Nothing lost or reordered by batching: every (fold, epoch) once, in training order.
      expect(got.items.map((i) => [i.fold, i.report.epoch])).toEqual(alone.items.map((i) => [i.fold, i.report.epoch]));
      expect(got.items).toHaveLength(3 * 6);
      expect(got.items.map((i) => i.report.validLoss)).toEqual(alone.items.map((i) => i.report.validLoss));
    }
  });

  it("paces every epoch to AUTOML_TEST_MIN_EPOCH_MS's floor without changing the outcome", async () => {
    // 3 folds × 4 epochs of 80 rows train in a few ms; with a 40 ms floor the trial cannot end
    // before 12 × 40 ms (timers may fire up to a millisecond early, hence the slack).
    pool = new ThreadPool(1, { minEpochMs: 40 });
    const paced = collector();
    const t0 = performance.now();
    const outcome = await pool.run(spec(0, 4), paced.sink);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(12 * 39);
    const alone = collector();
    expect(outcome).toEqual(await runTrial(spec(0, 4), alone.sink, { backend: "js" }));
    expect(paced.items.map((i) => i.report)).toEqual(alone.items.map((i) => i.report));
  });

  it("drops an aborted trial from a shared thread while the others on it finish", async () => {
    pool = new ThreadPool(2, {}, 1);
    const controller = new AbortController();
    const slow = pool.run(spec(0, 400), async () => "continue", controller.signal);
    const other = pool.run(spec(1), collector().sink);
    controller.abort();
    await expect(slow).rejects.toBeInstanceOf(TrialAbortedError);
    const outcome = await other;
    expect(outcome.status).toBe("completed");
    expect(outcome.folds).toHaveLength(3);
  });
});
