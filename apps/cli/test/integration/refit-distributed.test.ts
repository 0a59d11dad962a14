import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedSuite, startCoordinatorProcess } from "../support";

const available = (await postgresAvailable()) && (await natsAvailable());

const STUDY = `
name: refit-distributed
dataset: { builtin: xor, n: 200, noise: 0.2 }
task: binary
space: { depth: 1, width: { int: [4, 16] }, activation: tanh, learningRate: { float: [0.05, 0.5], log: true }, batchSize: 16, epochs: 20 }
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
sampler: random
budget: { trials: 4, parallel: 2 }
seed: 3
`;

/**
 * `automl refit` in the distributed stack: the coordinator queues the job, a worker process trains
 * it on all rows, stores the model in the JetStream model bucket and records it over gRPC; the CLI
 * waits for it and fetches it. Another machine (an empty AUTOML_HOME) predicts with its id.
 */
describe.skipIf(!available)("refit through a worker", () => {
  const suite = distributedSuite();

  it("stores the model in the bucket, records it once, and any CLI can predict with it", async () => {
    const { db, env, procs } = suite;
    const dir = mkdtempSync(join(tmpdir(), "automl-refit-"));
    writeFileSync(join(dir, "study.yaml"), STUDY);
    procs.push(await startCoordinatorProcess(env));
    procs.push(automl(["worker"], env));
    const run = automl(["run", join(dir, "study.yaml"), "--json", "--no-dashboard"], { ...env, AUTOML_HOME: join(dir, "a") });
    procs.push(run);
    expect(await run.exited, run.stderr()).toBe(0);
    const out = JSON.parse(run.stdout()) as { study: { id: string }; best: { id: string; number: number } };

    const refit = automl(["refit", out.study.id, "--json"], { ...env, AUTOML_HOME: join(dir, "a") });
    expect(await refit.exited, refit.stderr()).toBe(0);
    const model = JSON.parse(refit.stdout()) as { id: string; source: { trialNumber: number; trainRows: number } };
    expect(model.source).toMatchObject({ trialNumber: out.best.number, trainRows: 200 });
    const job = await db.refit.findFirstOrThrow({ where: { studyId: out.study.id } });
    expect([job.status, job.modelId, job.trialId]).toEqual(["DONE", model.id, out.best.id]);
    const row = await db.model.findUniqueOrThrow({ where: { id: model.id } });
    expect(row.location).toBe(`nats://automl-models/${model.id}`);

    // Another machine: nothing local, the model comes from the bucket (checked against its id).
    const rows = join(dir, "rows.csv");
    writeFileSync(rows, "x1,x2\n0.9,0.9\n-0.9,0.9\n0.9,-0.9\n-0.9,-0.9\n");
    const predict = automl(["predict", model.id, rows, "--proba"], { ...env, AUTOML_HOME: join(dir, "b") });
    expect(await predict.exited, predict.stderr()).toBe(0);
    const lines = predict.stdout().trim().split("\n");
    expect(lines[0]).toBe("label,p_0,p_1");
    expect(lines).toHaveLength(5);
    expect(readFileSync(join(dir, "b", "models", `${model.id}.json`)).length).toBe(row.size);

    // A trial that is not completed cannot be refit: refused, nothing queued.
    await db.trial.update({ where: { id: out.best.id }, data: { status: "FAILED" } });
    const refused = automl(["refit", out.study.id, "--trial", `#${out.best.number}`], { ...env, AUTOML_HOME: join(dir, "a") });
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(/is failed; only a completed trial can be refit/);
    expect(await db.refit.count({ where: { studyId: out.study.id } })).toBe(1);
  }, 240_000);
});
