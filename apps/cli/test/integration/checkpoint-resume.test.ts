import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { until } from "@automl/coordinator/testing";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedSuite, startCoordinatorProcess } from "../support";

const available = (await postgresAvailable()) && (await natsAvailable());
const FOLDS = 3;
const EPOCHS = 40;

/**
 * One trial with momentum (its buffers are part of the state) that trains for several seconds on
 * any machine: its workers make every epoch last at least 30 ms (AUTOML_TEST_MIN_EPOCH_MS, tests
 * only), 120 epochs in all.
 */
const studyFile = (name: string) => `
name: ${name}
dataset: { builtin: moons, n: 600, noise: 0.2 }
task: binary
space: { depth: 2, width: 24, activation: tanh, learningRate: 0.03, momentum: 0.9, batchSize: 8, epochs: ${EPOCHS} }
cv: { folds: ${FOLDS} }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 1, parallel: 1 }
seed: 21
`;

/**
 * Checkpoints with real processes and real JetStream: a worker killed with SIGKILL mid-fold, the
 * trial redelivered to another worker that resumes from the last checkpoint in the Object Store;
 * with the js backend the outcome and the whole curve equal an uninterrupted run's exactly.
 */
describe.skipIf(!available)("a trial resumed from its checkpoint", () => {
  const suite = distributedSuite({ AUTOML_ACK_WAIT_MS: "3000", AUTOML_BACKEND: "js", AUTOML_CHECKPOINT_EVERY: "3", AUTOML_TEST_MIN_EPOCH_MS: "30" });

  it("ends with exactly the uninterrupted run's fold scores and curve, training fewer epochs", async () => {
    const { db, env, procs } = suite;
    const dir = mkdtempSync(join(tmpdir(), "automl-resume-"));
    writeFileSync(join(dir, "killed.yaml"), studyFile("resume-killed"));
    writeFileSync(join(dir, "reference.yaml"), studyFile("resume-reference"));
    procs.push(await startCoordinatorProcess(env));

    // Killed mid-fold: fold 1 well under way.
    const doomed = automl(["worker"], env);
    procs.push(doomed);
    const run = automl(["run", join(dir, "killed.yaml"), "--json", "--no-dashboard"], env);
    procs.push(run);
    const victim = await until(
      () => db.trial.findFirst({ where: { status: "RUNNING", epochs: { some: { fold: 1, epoch: { gte: 12 } } } }, select: { id: true } }),
      () => `the trial to reach fold 1: ${run.stderr()}`,
      90_000,
      50,
    );
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    const rescuer = automl(["worker"], { ...env, AUTOML_LOG_LEVEL: "info" });
    procs.push(rescuer);
    expect(await run.exited, run.stderr()).toBe(0);

    // The resumed attempt said where it started from: past fold 0 (reports lag training, so the
    // kill may land in fold 2), and the epochs it reports again are exactly those before that point.
    const resumed = rescuer
      .stderr()
      .split("\n")
      .filter((l) => l.includes("resuming from checkpoint"))
      .map((l) => JSON.parse(l) as { fold: number; epoch: number; epochsSaved: number });
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.fold).toBeGreaterThanOrEqual(1);
    expect(resumed[0]!.epochsSaved).toBe(EPOCHS * resumed[0]!.fold + resumed[0]!.epoch);

    // The same study again, never interrupted: the reference.
    const ref = automl(["run", join(dir, "reference.yaml"), "--json", "--no-dashboard"], env);
    procs.push(ref);
    expect(await ref.exited, ref.stderr()).toBe(0);

    const load = (name: string) =>
      db.trial.findFirstOrThrow({
        where: { study: { name } },
        include: { folds: { orderBy: { fold: "asc" } }, epochs: { orderBy: [{ fold: "asc" }, { epoch: "asc" }] } },
      });
    const [killed, reference] = [await load("resume-killed"), await load("resume-reference")];
    expect(killed.id).toBe(victim.id);
    expect(killed.status).toBe("COMPLETED");
    expect(killed.attempt).toBe(2);
    expect(killed.folds.map((f) => [f.fold, f.score, f.loss, f.epochs])).toEqual(reference.folds.map((f) => [f.fold, f.score, f.loss, f.epochs]));
    expect(killed.cvMean).toBe(reference.cvMean);
    // One whole curve, equal point for point (the saved epochs were reported again).
    const curve = (t: typeof killed) => t.epochs.map((e) => [e.fold, e.epoch, e.trainLoss, e.validLoss, e.validMetric]);
    expect(curve(killed)).toHaveLength(FOLDS * EPOCHS);
    expect(curve(killed)).toEqual(curve(reference));

    // Nothing is left in the bucket once the outcome is recorded.
    const { JetStreamCheckpointStore } = await import("@automl/messaging");
    const store = await JetStreamCheckpointStore.connect({ url: env.AUTOML_NATS_URL! });
    expect(await store.get(victim.id)).toBeUndefined();
    await store.close();
    // The compute saved (docs/benchmarks.md): the second attempt trains only what the checkpoint lacks.
    const total = FOLDS * EPOCHS;
    process.stdout.write(`checkpoint resume: attempt 2 trained ${total - resumed[0]!.epochsSaved} of ${total} epochs (without checkpoints: ${total})\n`);
  }, 300_000);
});
