import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedSuite, startCoordinatorProcess } from "../support";
import { freePort } from "@automl/common";

const available = (await postgresAvailable()) && (await natsAvailable());

const TRIALS = 4;
const FOLDS = 2;
const EPOCHS = 5;
const ROWS = 100;
const study = `
name: metrics-test
dataset: { builtin: xor, n: ${ROWS}, noise: 0.1 }
task: binary
space: { depth: 1, width: { int: [2, 8] }, activation: tanh, learningRate: 0.1, batchSize: 10, epochs: ${EPOCHS} }
cv: { folds: ${FOLDS} }
objective: { metric: accuracy, direction: maximize }
budget: { trials: ${TRIALS}, parallel: 2 }
seed: 11
`;

/** The value of the one sample of `name` whose labels include `labels`; undefined if none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found: number[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) found.push(Number(m[3]));
  }
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples match`);
  return found[0];
}

/** Scrapes /metrics of a real coordinator and worker after a study and checks the counts against what happened. */
describe.skipIf(!available)("Prometheus metrics of a coordinator and a worker", () => {
  const suite = distributedSuite();
  let env: Record<string, string>;
  let coordHealth = "";
  let workerHealth = "";

  // After distributedSuite's own beforeAll, which made the fixture; its afterAll stops these processes.
  beforeAll(async () => {
    ({ env } = suite);
    coordHealth = `127.0.0.1:${await freePort()}`;
    workerHealth = `127.0.0.1:${await freePort()}`;
    suite.procs.push(await startCoordinatorProcess({ ...env, AUTOML_HEALTH_LISTEN: coordHealth }));
    suite.procs.push(automl(["worker"], { ...env, AUTOML_HEALTH_LISTEN: workerHealth }));
  });

  it("count dispatches, outcomes, reports, epochs and samples exactly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "automl-metrics-"));
    writeFileSync(join(dir, "study.yaml"), study);
    const run = automl(["run", join(dir, "study.yaml"), "--json", "--no-dashboard"], env);
    expect(await run.exited, run.stderr()).toBe(0);
    const out = JSON.parse(run.stdout()) as { trials: { status: string }[] };
    expect(out.trials.map((t) => t.status)).toEqual(Array(TRIALS).fill("COMPLETED"));

    const coord = await (await fetch(`http://${coordHealth}/metrics`)).text();
    expect(sample(coord, "automl_trials_dispatched_total", { pool: "cpu" })).toBe(TRIALS);
    expect(sample(coord, "automl_trials", { pool: "cpu", status: "COMPLETED" })).toBe(TRIALS);
    expect(sample(coord, "automl_trials", { pool: "cpu", status: "RUNNING" })).toBeUndefined();
    expect(sample(coord, "automl_queue_messages", { pool: "cpu", state: "pending" })).toBe(0);
    expect(sample(coord, "automl_queue_messages", { pool: "cpu", state: "unacked" })).toBe(0);
    const handled = (method: string) => sample(coord, "automl_grpc_server_handling_seconds_count", { method, code: "OK" });
    expect(handled("CreateStudy")).toBe(1);
    expect(handled("StartTrial")).toBe(TRIALS);
    // Epochs travel in batches (ReportEpochs): at least one per trial, never more than one per epoch.
    const batches = handled("ReportEpochs") ?? 0;
    expect(handled("ReportEpoch")).toBeUndefined();
    expect(batches).toBeGreaterThanOrEqual(TRIALS);
    expect(batches).toBeLessThanOrEqual(TRIALS * FOLDS * EPOCHS);
    expect(handled("CompleteTrial")).toBe(TRIALS);
    expect(sample(coord, "automl_grpc_server_handling_seconds_sum", { method: "CompleteTrial", code: "OK" })).toBeGreaterThan(0);
    expect(sample(coord, "automl_process_resident_memory_bytes", { component: "coordinator" })).toBeGreaterThan(0);
    // Group commit: every trial's start and outcome went through exactly one batched write.
    expect(sample(coord, "automl_db_write_batch_size_sum", { statement: "start_trial" })).toBe(TRIALS);
    expect(sample(coord, "automl_db_write_batch_size_sum", { statement: "record_outcome" })).toBe(TRIALS);
    expect(sample(coord, "automl_db_write_batch_size_count", { statement: "record_outcome" })).toBeGreaterThanOrEqual(1);

    const worker = await (await fetch(`http://${workerHealth}/metrics`)).text();
    expect(sample(worker, "automl_worker_trials_total", { pool: "cpu", status: "COMPLETED" })).toBe(TRIALS);
    expect(sample(worker, "automl_worker_trials_running", { pool: "cpu" })).toBe(0);
    expect(sample(worker, "automl_worker_epochs_total", { pool: "cpu" })).toBe(TRIALS * FOLDS * EPOCHS);
    // Each epoch of a fold trains on the other folds' rows: (FOLDS − 1)/FOLDS of the dataset.
    expect(sample(worker, "automl_worker_training_samples_total", { pool: "cpu" })).toBe(TRIALS * FOLDS * EPOCHS * ((ROWS * (FOLDS - 1)) / FOLDS));
    expect(sample(worker, "automl_grpc_client_seconds_count", { method: "CompleteTrial", code: "OK" })).toBe(TRIALS);
    expect(sample(worker, "automl_grpc_client_seconds_count", { method: "ReportEpochs", code: "OK" })).toBe(batches);
    // Every epoch the worker counted reached Postgres, batched or not.
    expect(await suite.db.epochMetric.count({ where: { trial: { study: { name: "metrics-test" } } } })).toBe(TRIALS * FOLDS * EPOCHS);
    expect(sample(worker, "automl_process_resident_memory_bytes", { component: "worker" })).toBeGreaterThan(0);
    // Health endpoints answer alongside.
    expect((await fetch(`http://${coordHealth}/readyz`)).status).toBe(200);
    expect((await fetch(`http://${workerHealth}/readyz`)).status).toBe(200);
  }, 180_000);
});
