import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "@automl/common";
import { until } from "@automl/coordinator/testing";
import { postgresAvailable } from "@automl/db/testing";
import { JetStreamQueue } from "@automl/messaging";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedSuite, startCoordinatorProcess } from "../support";

const available = (await postgresAvailable()) && (await natsAvailable());

/**
 * Epochs of several seconds each (the worker's AUTOML_TEST_MIN_EPOCH_MS, tests only, on a small
 * network: the same on any machine, and no CPU taken from the tests running beside it): a trial
 * stopped within a second of the cancellation was stopped by the control channel, not at its
 * next epoch report, which would be seconds away.
 */
const EPOCHS = 4;
const FOLDS = 2;
const EPOCH_MS = 4_000;
const slowStudy = `
name: cancel-test
dataset: { builtin: moons, n: 400, noise: 0.2 }
task: binary
space: { depth: 1, width: 8, activation: relu, learningRate: 0.01, batchSize: 8, epochs: ${EPOCHS} }
cv: { folds: ${FOLDS} }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 6, parallel: 2 }
seed: 3
`;

describe.skipIf(!available)("cancelling a study", () => {
  const suite = distributedSuite();

  it("stops its running trial through the control channel, drops its queued one untrained, and starts none", async () => {
    const { db, env, procs } = suite;
    const dir = mkdtempSync(join(tmpdir(), "automl-cancel-"));
    writeFileSync(join(dir, "study.yaml"), slowStudy);
    procs.push(await startCoordinatorProcess(env));
    // One training slot and `parallel: 2`: one trial trains, the other waits in JetStream.
    // The plain engine: what is tested is the cancellation, not a backend.
    const worker = automl(["worker"], { ...env, AUTOML_LOG_LEVEL: "info", AUTOML_BACKEND: "js", AUTOML_TEST_MIN_EPOCH_MS: String(EPOCH_MS) });
    procs.push(worker);
    const create = automl(["study", "create", join(dir, "study.yaml")], env);
    expect(await create.exited, create.stderr()).toBe(0);
    const studyId = create.stdout().trim();

    const running = await until(() => db.trial.findFirst({ where: { studyId, status: "RUNNING" } }), "a running trial", 60_000);
    await new Promise((r) => setTimeout(r, 1_000)); // well inside its first epoch
    const cancel = automl(["study", "cancel", studyId], env);
    expect(await cancel.exited, cancel.stderr()).toBe(0);
    const cancelledAt = Date.now(); // CancelStudy has answered: the broadcast went out before

    const ended = await until(
      () => db.trial.findFirst({ where: { id: running.id, status: { not: "RUNNING" } }, include: { _count: { select: { epochs: true } } } }),
      "the running trial to end",
      30_000,
    );
    console.log(`CancelStudy answered → trial ${ended.status} within ${Date.now() - cancelledAt} ms (polling at 100 ms)`);
    expect(ended.status).toBe("CANCELLED");
    expect(ended._count.epochs).toBeLessThan(FOLDS * EPOCHS); // stopped mid-training
    expect(ended.cvMean).toBeNull();
    // The worker aborted it on the broadcast (not on an epoch report's CANCEL answer).
    await until(async () => worker.stderr().includes("running trials stopped") || null, "the worker's log line", 10_000);
    const line = worker.stderr().split("\n").find((l) => l.includes("running trials stopped"))!;
    expect(JSON.parse(line)).toMatchObject({ studyId, trials: [running.id] });

    // The queued message was consumed without training: nothing waits or is unacked in the stream.
    const queue = await JetStreamQueue.connect({ url: env.AUTOML_NATS_URL!, log: silentLogger(), stream: env.AUTOML_NATS_STREAM!, subjectPrefix: env.AUTOML_NATS_SUBJECT_PREFIX! });
    try {
      await until(async () => {
        const d = await queue.depth("cpu");
        return d.pending === 0 && d.ackPending === 0 ? d : null;
      }, "the queue to drain", 20_000);
    } finally {
      await queue.close();
    }
    await new Promise((r) => setTimeout(r, 2_000)); // a scheduler pass or two: still nothing new

    const study = await db.study.findUniqueOrThrow({ where: { id: studyId } });
    const trials = await db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" } });
    expect(study.status).toBe("CANCELLED");
    // The two dispatched before the cancellation, no more.
    expect(trials.map((t) => [t.number, t.status, t.error]), worker.stderr().slice(-3000)).toHaveLength(2);
    expect(trials.map((t) => t.status)).toEqual(["CANCELLED", "CANCELLED"]);
    const queued = trials.find((t) => t.id !== running.id)!;
    expect(queued.startedAt).toBeNull(); // never trained
    expect(queued.attempt).toBe(0);
    expect(worker.child.exitCode).toBeNull(); // the worker goes on serving
  }, 180_000);
});
