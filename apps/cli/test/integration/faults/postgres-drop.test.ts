import { describe, expect, it } from "vitest";
import { createDb, pgExecutor } from "@automl/db";
import { postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedSuite, startCoordinatorProcess } from "../../support";
import { expectEachTrialOnce, studyEnd, TINY, tinyStudyFile, until } from "../../faults";
import { CoordinatorApi } from "../../../src/client";

const available = (await postgresAvailable()) && (await natsAvailable());

const TRIALS = 30;
const EPOCHS = 4;

/**
 * Every connection to the study's database is terminated (pg_terminate_backend) every 2 seconds
 * while a study runs: requests that hit a dead connection are answered UNAVAILABLE, workers retry
 * them with backoff, the scheduler retries its pass, and every trial still completes once. Only
 * this test's own database is touched, never the shared server.
 */
describe.skipIf(!available)("Postgres connections dropped", () => {
  const suite = distributedSuite({ AUTOML_ACK_WAIT_MS: "3000" });

  it("are retried with backoff; the study finishes with each trial once", async () => {
    const { env, procs } = suite;
    const url = new URL(env.AUTOML_DATABASE_URL!);
    const dbName = url.pathname.slice(1);
    // The test watches through connections of its own, which are spared.
    url.searchParams.set("application_name", "fault-test-observer");
    const db = createDb(url.toString());
    const coordinator = await startCoordinatorProcess(env);
    procs.push(coordinator, automl(["worker"], env), automl(["worker"], env));
    const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR!);
    const study = await api.createStudy(tinyStudyFile("postgres-drop", { trials: TRIALS, parallel: 4, epochs: EPOCHS }));
    api.close();

    const admin = await pgExecutor(TEST_ADMIN_URL);
    let terminated = 0;
    let dropping = true;
    const dropper = (async () => {
      while (dropping) {
        const rows = await admin.query<{ pg_terminate_backend: boolean }>(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> 'fault-test-observer'`,
          [dbName],
        );
        terminated += rows.filter((r) => r.pg_terminate_backend).length;
        await new Promise((r) => setTimeout(r, 2_000));
      }
    })();
    const finished = () => db.trial.count({ where: { studyId: study.id, status: { notIn: ["QUEUED", "RUNNING"] } } });
    let last = 0;
    try {
      await until(async () => (last = await finished()) >= TRIALS / 3, () => `a third of the trials to finish while connections drop (${last} did, ${terminated} connections terminated)\n${procs.map((p) => p.stderr().slice(-2000)).join("\n---\n")}`, 180_000);
    } finally {
      dropping = false;
      await dropper;
      await admin.close();
    }
    expect(terminated).toBeGreaterThan(5);

    expect(await studyEnd(db, study.id, 300_000, procs)).toBe("COMPLETED");
    // No trial FAILED for a database blip: reports were retried, not given up on.
    await expectEachTrialOnce(db, study.id, { trials: TRIALS, folds: TINY.folds, epochs: EPOCHS, allCompleted: true });
    expect(coordinator.child.exitCode).toBeNull();
    await db.$disconnect();
  }, 480_000);
});
