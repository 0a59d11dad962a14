import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedFixture, startCoordinatorProcess, stop, type Proc } from "../../support";
import { expectEachTrialOnce, startNatsServer, studyEnd, tempDir, TINY, tinyStudyFile, until, type NatsServer } from "../../faults";
import { CoordinatorApi } from "../../../src/client";
import { freePort } from "@automl/common";

// The shared NATS only tells whether nats-server exists here; this test runs its own.
const available = (await postgresAvailable()) && (await natsAvailable());

const QUEUED = 24;
const TRIALS = 60;

/**
 * NATS (JetStream, file storage) is SIGKILLed and restarted on the same store directory: once with
 * trials waiting in the stream and no worker yet, once while workers consume. Nothing queued is
 * lost, and the coordinator and workers reconnect by themselves.
 */
describe.skipIf(!available)("NATS restarted", () => {
  let fixture: Awaited<ReturnType<typeof distributedFixture>>;
  let nats: NatsServer;
  const procs: Proc[] = [];

  beforeAll(async () => {
    nats = await startNatsServer(await freePort(), tempDir("automl-nats-"));
    fixture = await distributedFixture({ AUTOML_NATS_URL: nats.url, AUTOML_ACK_WAIT_MS: "3000" });
  });

  afterAll(async () => {
    await Promise.all(procs.map(stop));
    await nats?.stop();
    await fixture?.dispose().catch(() => {}); // its stream lived on our server, gone with it
  });

  /** Messages stored in the test's stream, read from the server itself. */
  async function storedMessages(): Promise<number> {
    const nc = await connect({ servers: nats.url, timeout: 2_000 });
    try {
      const jsm = await jetstreamManager(nc);
      return (await jsm.streams.info(fixture.env.AUTOML_NATS_STREAM!)).state.messages;
    } finally {
      await nc.close();
    }
  }

  it("loses no queued trial, and the study finishes with each trial once", async () => {
    const { db, env } = fixture;
    procs.push(await startCoordinatorProcess(env));
    const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR!);
    // parallel = QUEUED: the first QUEUED trials are published at once and wait for a worker.
    const study = await api.createStudy(tinyStudyFile("nats-restart", { trials: TRIALS, parallel: QUEUED }));
    api.close();
    await until(async () => (await storedMessages()) === QUEUED, "every queued trial stored in the stream");

    nats = await nats.restart(); // SIGKILL: no clean shutdown, the store must carry them
    expect(await storedMessages()).toBe(QUEUED);

    procs.push(automl(["worker"], env), automl(["worker"], env));
    const finished = () => db.trial.count({ where: { studyId: study.id, status: { notIn: ["QUEUED", "RUNNING"] } } });
    await until(async () => (await finished()) >= 20, "20 finished trials");
    // Again, while workers pull, ack and the coordinator publishes.
    await nats.kill();
    await new Promise((r) => setTimeout(r, 1_000));
    nats = await startNatsServer(nats.port, nats.storeDir);

    expect(await studyEnd(db, study.id, 300_000, procs)).toBe("COMPLETED");
    await expectEachTrialOnce(db, study.id, { trials: TRIALS, folds: TINY.folds, epochs: TINY.epochs, allCompleted: true });
  }, 480_000);
});
