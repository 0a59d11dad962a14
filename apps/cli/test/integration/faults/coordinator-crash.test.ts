import { describe, expect, it } from "vitest";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedSuite, startCoordinatorProcess } from "../../support";
import { expectEachTrialOnce, studyEnd, TINY, tinyStudyFile, until } from "../../faults";
import { CoordinatorApi } from "../../../src/client";

const available = (await postgresAvailable()) && (await natsAvailable());

const TRIALS = 40;
const EPOCHS = 8;

/**
 * The coordinator is SIGKILLed twice mid-study (while workers are reporting) and restarted each
 * time: the restarted one resumes from Postgres, workers retry their reports meanwhile, and every
 * trial ends with exactly one outcome.
 */
describe.skipIf(!available)("a coordinator killed mid-study", () => {
  const suite = distributedSuite({ AUTOML_ACK_WAIT_MS: "3000" });

  it("resumes on restart: no trial lost, none recorded twice", async () => {
    const { db, env, procs } = suite;
    let coordinator = await startCoordinatorProcess(env);
    procs.push(coordinator, automl(["worker"], env), automl(["worker"], env));
    const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR!);
    const study = await api.createStudy(tinyStudyFile("coordinator-crash", { trials: TRIALS, parallel: 4, epochs: EPOCHS }));
    api.close();
    const finished = () => db.trial.count({ where: { studyId: study.id, status: { notIn: ["QUEUED", "RUNNING"] } } });

    for (const after of [8, 22]) {
      // Kill while trials are in flight: some mid-training, some reporting their outcome.
      await until(async () => (await finished()) >= after && (await db.trial.count({ where: { studyId: study.id, status: "RUNNING" } })) > 0, `${after} finished trials and one running`);
      coordinator.child.kill("SIGKILL");
      await coordinator.exited;
      // Workers find the coordinator gone; they keep their deliveries and retry meanwhile.
      await new Promise((r) => setTimeout(r, 1_500));
      coordinator = await startCoordinatorProcess(env);
      procs.push(coordinator);
    }

    expect(await studyEnd(db, study.id, 300_000, procs)).toBe("COMPLETED");
    await expectEachTrialOnce(db, study.id, { trials: TRIALS, folds: TINY.folds, epochs: EPOCHS, allCompleted: true });
  }, 480_000);
});
