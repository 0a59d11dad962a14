import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedFixture, startCoordinatorProcess, stop, type Proc } from "../../support";
import { expectEachTrialOnce, studyEnd, TINY, tinyStudyFile } from "../../faults";
import { CoordinatorApi } from "../../../src/client";

const available = (await postgresAvailable()) && (await natsAvailable());

const TRIALS = 200;
const WORKERS = 3;
const EPOCHS = 1;
// KILLS kills, 3–8 s apart: a replacement worker needs seconds to start on a loaded 2-core
// machine, so continuous killing would measure start-up time rather than recovery.
const KILLS = 8;
const GAP_MS = 3_000;
const GAP_SPAN_MS = 5_000;
// The schedule is a function of the seed: AUTOML_CHAOS_SEED=<n> replays a failing run.
const SEED = Number(process.env.AUTOML_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

/**
 * A 200-trial study on three worker processes while a seeded random schedule SIGKILLs a running
 * worker 8 times, 3–8 s apart (at whatever point it is: pulling, training, reporting, acking), and
 * starts a replacement each time. The invariant: the study completes, trials 0..199 exist once each, each with one
 * terminal outcome, completed ones with exactly one result row per fold and one curve.
 */
describe.skipIf(!available)(`chaos: workers killed at random (AUTOML_CHAOS_SEED=${SEED})`, () => {
  let fixture: Awaited<ReturnType<typeof distributedFixture>>;
  const procs: Proc[] = [];

  beforeAll(async () => {
    // Short ack wait so killed workers' trials come back quickly; enough deliveries that a trial
    // hit by several kills still completes.
    // Two trials at a time per worker: tiny trials wait on gRPC, not on the CPU.
    fixture = await distributedFixture({ AUTOML_ACK_WAIT_MS: "2000", AUTOML_MAX_DELIVER: "10", AUTOML_WORKER_CONCURRENCY: "2" });
  });

  afterAll(async () => {
    await Promise.all(procs.map(stop));
    await fixture?.dispose();
  });

  it("every trial ends with exactly one recorded outcome", async () => {
    console.log(`chaos seed ${SEED} (set AUTOML_CHAOS_SEED to replay)`);
    const rng = createRng(SEED);
    const { db, env } = fixture;
    procs.push(await startCoordinatorProcess(env));
    const workers: Proc[] = Array.from({ length: WORKERS }, () => automl(["worker"], env));
    procs.push(...workers);
    const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR!);
    const study = await api.createStudy(tinyStudyFile("chaos", { trials: TRIALS, parallel: 3 * WORKERS, epochs: EPOCHS, seed: SEED % 1000 }));
    api.close();

    let ended = false;
    let kills = 0;
    const chaos = (async () => {
      while (!ended && kills < KILLS) {
        const wakeAt = Date.now() + GAP_MS + rng.int(GAP_SPAN_MS);
        while (!ended && Date.now() < wakeAt) await new Promise((r) => setTimeout(r, 200));
        if (ended) break;
        // Only a worker that is up (it has heartbeated) is a victim: one still starting has
        // nothing in flight, and killing it would only slow the study down.
        const up = await db.worker.findMany({ where: { hostname: hostname(), pid: { in: workers.map((w) => w.child.pid!) } }, select: { pid: true } });
        const live = workers.map((w, i) => (up.some((u) => u.pid === w.child.pid) ? i : -1)).filter((i) => i >= 0);
        if (live.length === 0) continue;
        const slot = live[rng.int(live.length)]!;
        workers[slot]!.child.kill("SIGKILL");
        await workers[slot]!.exited;
        kills++;
        workers[slot] = automl(["worker"], env);
        procs.push(workers[slot]!);
      }
    })();
    const started = Date.now();
    try {
      expect(await studyEnd(db, study.id, 420_000, procs)).toBe("COMPLETED");
    } finally {
      ended = true;
      await chaos;
    }
    console.log(`chaos seed ${SEED}: ${kills} workers killed; study took ${Math.round((Date.now() - started) / 1000)} s`);
    expect(kills).toBe(KILLS);
    await expectEachTrialOnce(db, study.id, { trials: TRIALS, folds: TINY.folds, epochs: EPOCHS, allCompleted: true });
    const redone = await db.trial.count({ where: { studyId: study.id, attempt: { gt: 1 } } });
    console.log(`chaos seed ${SEED}: ${redone} trials needed more than one attempt`);
  }, 480_000);
});
