import { mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { until } from "@automl/coordinator/testing";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedSuite, startCoordinatorProcess, SLOW_STUDY, SLOW_STUDY_ENV, slowStudyFile } from "../support";
import { freePort } from "@automl/common";

const available = (await postgresAvailable()) && (await natsAvailable());

const { folds: FOLDS, epochs: EPOCHS, trials: TRIALS } = SLOW_STUDY;
const study = slowStudyFile("crash-test");

/**
 * A worker process killed with SIGKILL mid-trial: its trial is redelivered after the ack
 * deadline, completed by another worker, and recorded exactly once.
 */
describe.skipIf(!available)("a worker killed mid-trial", () => {
  const suite = distributedSuite({ AUTOML_ACK_WAIT_MS: "3000", ...SLOW_STUDY_ENV });

  it("is redelivered, finished by another worker and recorded once", async () => {
    const { db, env, procs } = suite;
    const dir = mkdtempSync(join(tmpdir(), "automl-crash-"));
    writeFileSync(join(dir, "study.yaml"), study);
    procs.push(await startCoordinatorProcess(env));
    const doomed = automl(["worker"], env);
    procs.push(doomed);
    const run = automl(["run", join(dir, "study.yaml"), "--json", "--no-dashboard"], env);
    procs.push(run);

    // Wait until the doomed worker is well into a trial (curve points recorded), then kill it.
    const deadline = Date.now() + 60_000;
    let victim: { id: string } | null = null;
    while (!victim) {
      if (Date.now() > deadline) throw new Error(`no trial started: ${run.stderr()}`);
      victim = await db.trial.findFirst({ where: { status: "RUNNING", epochs: { some: { epoch: { gte: 5 } } } }, select: { id: true } });
      if (!victim) await new Promise((r) => setTimeout(r, 100));
    }
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    procs.push(automl(["worker"], env));

    expect(await run.exited, run.stderr()).toBe(0);
    const out = JSON.parse(run.stdout()) as { study: { id: string }; trials: { status: string }[] };
    expect(out.trials.map((t) => t.status)).toEqual(Array(TRIALS).fill("COMPLETED"));

    const trials = await db.trial.findMany({ where: { studyId: out.study.id }, include: { folds: true, _count: { select: { epochs: true } } } });
    expect(trials).toHaveLength(TRIALS);
    for (const t of trials) {
      expect(t.status).toBe("COMPLETED");
      expect(t.folds).toHaveLength(FOLDS);
      // One curve: the lost attempt's partial curve was replaced, not appended to.
      expect(t._count.epochs).toBe(FOLDS * EPOCHS);
    }
    const redone = trials.find((t) => t.id === victim!.id)!;
    expect(redone.attempt).toBe(2);
    // Training is deterministic: the retried trial has the same configuration as its siblings and scores like one.
    expect(redone.cvMean).toBeGreaterThan(0.8);
  }, 240_000);

  it("on SIGTERM past its grace period, naks the running trial for another worker; health endpoints answer", async () => {
    const { db, env, procs } = suite;
    const studyId = await (async () => {
      const dir = mkdtempSync(join(tmpdir(), "automl-term-"));
      writeFileSync(join(dir, "study.yaml"), slowStudyFile("sigterm-test"));
      return join(dir, "study.yaml");
    })();
    const healthPort = await freePort();
    const leaving = automl(["worker"], { ...env, AUTOML_SHUTDOWN_GRACE_MS: "300", AUTOML_HEALTH_LISTEN: `127.0.0.1:${healthPort}` });
    procs.push(leaving);
    const run = automl(["run", studyId, "--json", "--no-dashboard"], env);
    procs.push(run);
    // Readiness of the worker, over HTTP as an orchestrator would probe it.
    await until(async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined))?.status === 200, "worker readiness", 60_000);
    expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);

    const victim = await until(
      () => db.trial.findFirst({
          // A trial of this worker (ids are host-pid-random), well into its training but not yet in
          // its last fold: it cannot finish within the 300 ms grace and must be handed over.
          where: {
            status: "RUNNING",
            workerId: { startsWith: `${hostname()}-${leaving.child.pid}-` },
            AND: [{ epochs: { some: { epoch: { gte: 5 } } } }, { epochs: { none: { fold: FOLDS - 1 } } }],
          },
          select: { id: true },
        }),
      "a running trial",
      60_000,
    );
    leaving.child.kill("SIGTERM");
    expect(await leaving.exited).toBe(0); // a clean, prompt exit
    procs.push(automl(["worker"], env));

    expect(await run.exited, run.stderr()).toBe(0);
    const out = JSON.parse(run.stdout()) as { trials: { id: string; status: string; attempt: number }[] };
    expect(out.trials.map((t) => t.status)).toEqual(Array(TRIALS).fill("COMPLETED"));
    const redone = await db.trial.findUniqueOrThrow({ where: { id: victim.id }, include: { folds: true, _count: { select: { epochs: true } } } });
    expect(redone.attempt).toBe(2);
    expect(redone.folds).toHaveLength(FOLDS);
    expect(redone._count.epochs).toBe(FOLDS * EPOCHS);
  }, 240_000);
});
