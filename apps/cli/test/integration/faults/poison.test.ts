import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { JetStreamQueue } from "@automl/messaging";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedFixture, startCoordinatorProcess, stop, type Proc } from "../../support";
import { expectEachTrialOnce, studyEnd, TINY, tinyStudyFile, until } from "../../faults";
import { CoordinatorApi } from "../../../src/client";

const available = (await postgresAvailable()) && (await natsAvailable());

const MAX_DELIVER = 3;

/** Messages no worker can use: one that does not decode, one whose trial takes its worker down every time. */
describe.skipIf(!available)("poison messages", () => {
  let fixture: Awaited<ReturnType<typeof distributedFixture>>;
  let queue: JetStreamQueue;
  const procs: Proc[] = [];

  beforeAll(async () => {
    fixture = await distributedFixture({ AUTOML_ACK_WAIT_MS: "2000", AUTOML_MAX_DELIVER: String(MAX_DELIVER) });
    const { env } = fixture;
    queue = await JetStreamQueue.connect({ url: env.AUTOML_NATS_URL!, log: silentLogger(), stream: env.AUTOML_NATS_STREAM, subjectPrefix: env.AUTOML_NATS_SUBJECT_PREFIX });
    procs.push(await startCoordinatorProcess(env));
  });

  afterAll(async () => {
    await Promise.all(procs.map(stop));
    await queue?.close();
    await fixture?.dispose();
  });

  it("an undecodable message is terminated and logged once, never redelivered; the worker goes on", async () => {
    const { db, env } = fixture;
    const worker = automl(["worker"], env);
    procs.push(worker);
    // Field 1 (trial_id) announced as 200 bytes long, then cut off: protobuf cannot decode it.
    await queue.publishRaw("cpu", Uint8Array.from([0x0a, 0xc8, 0x01, 0x41, 0x42]));
    const logged = () => worker.stderr().split("\n").filter((l) => l.includes("malformed trial message terminated"));
    await until(async () => logged().length > 0, () => `the worker to log the malformed message: ${worker.stderr()}`);

    // The same worker then runs a study; by its end several ack waits have passed.
    const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR!);
    const study = await api.createStudy(tinyStudyFile("after-poison", { trials: 6, parallel: 2 }));
    api.close();
    expect(await studyEnd(db, study.id, 300_000, procs)).toBe("COMPLETED");
    await expectEachTrialOnce(db, study.id, { trials: 6, folds: TINY.folds, allCompleted: true });

    expect(logged()).toHaveLength(1); // never redelivered
    expect(logged()[0]).toContain('"level":50'); // logged as an error, with the decode error
    expect(await queue.depth("cpu")).toEqual({ pending: 0, ackPending: 0 });
    await stop(worker);
  }, 480_000);

  it(`a trial that takes its worker down on every delivery is FAILED with its reason after ${MAX_DELIVER} attempts`, async () => {
    const { db, env } = fixture;
    const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR!);
    // One trial that trains for a while (moons, 150 epochs), so each worker is caught mid-trial.
    const study = await api.createStudy(`
name: always-crashes
dataset: { builtin: moons, n: 600, noise: 0.2 }
task: binary
space: { depth: 2, width: 32, activation: tanh, learningRate: 0.05, batchSize: 8, epochs: 150 }
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 1, parallel: 1 }
seed: 5
`);
    api.close();

    // Each delivery goes to a fresh worker that dies mid-trial (as one would on a crash in native
    // code or an out-of-memory kill): SIGKILL once it has started the trial.
    for (let attempt = 1; attempt <= MAX_DELIVER; attempt++) {
      const victim = automl(["worker"], env);
      procs.push(victim);
      await until(
        () => db.trial.findFirst({ where: { studyId: study.id, status: "RUNNING", attempt, workerId: { startsWith: `${hostname()}-${victim.child.pid}-` } } }),
        () => `attempt ${attempt} to start on worker ${victim.child.pid}: ${victim.stderr()}`,
      );
      victim.child.kill("SIGKILL");
      await victim.exited;
    }
    // A healthy worker is around, but the queue has given up on the message.
    procs.push(automl(["worker"], env));

    expect(await studyEnd(db, study.id, 300_000, procs)).toBe("COMPLETED");
    const [trial] = await db.trial.findMany({ where: { studyId: study.id }, include: { folds: true } });
    expect(trial!.status).toBe("FAILED");
    expect(trial!.attempt).toBe(MAX_DELIVER);
    expect(trial!.error).toContain(`attempt ${MAX_DELIVER} of ${MAX_DELIVER}`);
    expect(trial!.folds).toHaveLength(0);
  }, 480_000);
});
