import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { processFixture, until } from "./processes";

const available = (await postgresAvailable()) && (await natsAvailable());

const TRIALS = 16;
const FOLDS = 2;

/**
 * A TPE study whose coordinator is SIGKILLed mid-study and started again: the sampler's state is
 * the trials in Postgres, so the new process continues the same search — exactly the budgeted
 * number of trials, each number once, every one with one outcome.
 */
describe.skipIf(!available)("a TPE study survives a coordinator killed mid-study", () => {
  let fx: Awaited<ReturnType<typeof processFixture>>;

  beforeAll(async () => {
    fx = await processFixture({ AUTOML_ACK_WAIT_MS: "3000" });
  });

  afterAll(async () => {
    await fx?.dispose();
  });

  it("finishes with the budgeted trials and no duplicate", async () => {
    let coordinator = await fx.coordinator();
    fx.worker();
    fx.worker();
    const studyId = await fx.createStudy(`
name: tpe-restart
dataset: { builtin: xor, n: 120, noise: 0.1 }
task: binary
space:
  depth: { int: [1, 3] }
  width: { int: [2, 16], perLayer: true }
  activation: { choice: [relu, tanh], perLayer: true }
  learningRate: { float: [0.01, 1.0], log: true }
  batchSize: 16
  epochs: 4
cv: { folds: ${FOLDS} }
objective: { metric: accuracy, direction: maximize }
sampler: { tpe: { startupTrials: 4 } }
budget: { trials: ${TRIALS}, parallel: 2 }
seed: 9
`);
    const finished = () => fx.db.trial.count({ where: { studyId, status: { notIn: ["QUEUED", "RUNNING"] } } });
    // Killed once TPE has taken over from its startup draws, while a trial is in flight.
    await until(async () => (await finished()) >= 6 && (await fx.db.trial.count({ where: { studyId, status: { in: ["QUEUED", "RUNNING"] } } })) > 0, "6 finished trials and one in flight");
    coordinator.child.kill("SIGKILL");
    await coordinator.exited;
    const before = await fx.db.trial.count({ where: { studyId } });
    expect(before).toBeLessThan(TRIALS);
    await new Promise((r) => setTimeout(r, 1_000));
    coordinator = await fx.coordinator();

    expect(await fx.studyEnd(studyId)).toBe("COMPLETED");
    const trials = await fx.db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" }, include: { folds: { select: { fold: true } } } });
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: TRIALS }, (_, i) => i));
    for (const t of trials) {
      expect(t.status, `trial ${t.number}: ${t.error ?? ""}`).toBe("COMPLETED");
      expect(t.folds.map((f) => f.fold).sort(), `trial ${t.number}`).toEqual([0, 1]);
      const p = t.params as { depth: number; widths: number[]; activations: string[] };
      expect(p.widths).toHaveLength(p.depth);
      expect(p.activations).toHaveLength(p.depth);
    }
    // The restarted coordinator proposed the trials after the kill from the history it read.
    expect(trials.length - before).toBeGreaterThan(0);
  }, 300_000);
});
