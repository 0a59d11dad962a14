import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection, Status } from "@nats-io/nats-core";
import { freePort, silentLogger } from "@automl/common";
import { createDb, type Db } from "@automl/db";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { connectNats, JetStreamQueue, type NatsCredentials } from "@automl/messaging";
import { startOwnNatsServer } from "@automl/messaging/testing";
import { TrialSpec } from "@automl/proto";
import { automl, REPO_ROOT, startCoordinatorProcess, stop, type Proc } from "../support";
import { studyEnd, tempDir, until } from "../faults";

const available = await postgresAvailable();

/**
 * The shipped NATS users and permissions (infra/nats/auth.conf), on a nats-server of this file's
 * own with the default names (stream AUTOML_TRIALS, prefix automl, bucket automl-datasets): a
 * worker's credential cannot publish a trial or a cancel, create or delete streams, or read trial
 * subjects directly; a coordinator, a worker and a CLI each with only its own credential still
 * run a study end to end (the dataset uploaded by the CLI, read by the worker). Cancels are
 * signed (AUTOML_CANCEL_KEY): an unsigned one, even from a client allowed to publish the cancel
 * subject, is ignored and logged by the worker; the coordinator's signed one stops the trial.
 */
const PASSWORDS = {
  NATS_COORDINATOR_PASSWORD: `coord-${randomBytes(8).toString("hex")}`,
  NATS_WORKER_CPU_PASSWORD: `wcpu-${randomBytes(8).toString("hex")}`,
  NATS_WORKER_GPU_PASSWORD: `wgpu-${randomBytes(8).toString("hex")}`,
  NATS_CLIENT_PASSWORD: `client-${randomBytes(8).toString("hex")}`,
};
const CREDS = {
  coordinator: { kind: "user", user: "coordinator", password: PASSWORDS.NATS_COORDINATOR_PASSWORD },
  worker: { kind: "user", user: "worker-cpu", password: PASSWORDS.NATS_WORKER_CPU_PASSWORD },
  client: { kind: "user", user: "client", password: PASSWORDS.NATS_CLIENT_PASSWORD },
} satisfies Record<string, NatsCredentials>;
const envOf = (c: { user: string; password: string }) => ({ AUTOML_NATS_USER: c.user, AUTOML_NATS_PASSWORD: c.password });
const CANCEL_KEY = randomBytes(32).toString("base64");

let server: Awaited<ReturnType<typeof startOwnNatsServer>>;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let env: Record<string, string>;
const procs: Proc[] = [];
let worker: Proc;
const dir = tempDir("automl-nats-perm-");

beforeAll(async () => {
  if (!available) return;
  server = await startOwnNatsServer(readFileSync(join(REPO_ROOT, "infra", "nats", "auth.conf"), "utf8"), { env: PASSWORDS });
  database = await createTestDatabase(TEST_ADMIN_URL);
  db = createDb(database.url);
  const port = await freePort();
  env = {
    AUTOML_DATABASE_URL: database.url,
    AUTOML_NATS_URL: server.url,
    AUTOML_GRPC_LISTEN: `127.0.0.1:${port}`,
    AUTOML_COORDINATOR_ADDR: `127.0.0.1:${port}`,
    AUTOML_CANCEL_KEY: CANCEL_KEY,
    AUTOML_ACK_WAIT_MS: "5000",
  };
});
afterAll(async () => {
  await Promise.all(procs.map(stop));
  await db?.$disconnect();
  await database?.drop();
  await server?.stop();
});

/** The permission errors the server reports on `nc`, collected from its status stream. */
function permissionErrors(nc: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status() as AsyncIterable<Status>) {
      if (s.type === "error" && /permission/i.test(String(s.error))) seen.push(String(s.error));
    }
  })();
  return seen;
}

describe.skipIf(!available)("NATS locked down with the shipped users and permissions", () => {
  it("a worker's credential cannot publish a trial or a cancel, manage streams or read trial subjects", async () => {
    // A worker started first waits for the stream (its user may not create one); the
    // coordinator's credential creates it.
    const workerConnecting = JetStreamQueue.connect({ url: server.url, log: silentLogger(), credentials: CREDS.worker, createStream: false, cancelKey: CANCEL_KEY });
    const coordinator = await JetStreamQueue.connect({ url: server.url, log: silentLogger(), credentials: CREDS.coordinator, cancelKey: CANCEL_KEY });
    const worker = await workerConnecting;
    const raw = await connectNats({ url: server.url, name: "attacker", credentials: CREDS.worker });
    const refused = permissionErrors(raw);
    try {
      const spec = TrialSpec.fromPartial({ trialId: "forged", studyId: "s", widths: [2], activation: "relu" });
      await expect(worker.publish("cpu", spec)).rejects.toThrow(/permission/i);
      await expect(worker.publish("gpu", spec)).rejects.toThrow(/permission/i);

      // A worker listens for cancels; the forged one never reaches it, the coordinator's does.
      const heard: string[] = [];
      const sub = await worker.onCancel((id) => heard.push(id));
      raw.publish("automl.control.cancel.victim");
      await until(async () => refused.some((e) => e.includes("automl.control.cancel.victim")) || null, "the server to refuse the forged cancel", 10_000);
      await coordinator.publishCancel("legit");
      await until(async () => heard.includes("legit") || null, "the coordinator's cancel", 10_000);
      expect(heard).toEqual(["legit"]);
      await sub.close();

      // Stream management and direct reads of the trial subjects are refused too.
      raw.publish("automl.trials.cpu", new Uint8Array([1]));
      await until(async () => refused.some((e) => e.includes('"automl.trials.cpu"')) || null, "the server to refuse a raw trial publish", 10_000);
      await expect(raw.request("$JS.API.STREAM.DELETE.AUTOML_TRIALS", undefined, { timeout: 5_000 })).rejects.toThrow(/permission/i);
      await expect(raw.request("$JS.API.STREAM.CREATE.OTHER", undefined, { timeout: 5_000 })).rejects.toThrow(/permission/i);
      const sniff = raw.subscribe("automl.trials.>");
      expect(String(await sniff.closed)).toMatch(/permission/i);
      // Another pool's consumer is not this worker's.
      await expect(raw.request("$JS.API.CONSUMER.MSG.NEXT.AUTOML_TRIALS.workers-gpu", undefined, { timeout: 5_000 })).rejects.toThrow(/permission/i);
      // The stream still exists and holds nothing forged.
      expect(await coordinator.depth("cpu")).toEqual({ pending: 0, ackPending: 0 });
    } finally {
      await raw.close();
      await worker.close();
      await coordinator.close();
    }
  }, 60_000);

  it("a coordinator, a worker and a CLI each with only its own credential run a study end to end", async () => {
    const logFrom = server.log().length;
    procs.push(await startCoordinatorProcess({ ...env, ...envOf(CREDS.coordinator) }));
    worker = automl(["worker"], { ...env, ...envOf(CREDS.worker), AUTOML_HOME: join(dir, "worker"), AUTOML_LOG_LEVEL: "info" });
    procs.push(worker);
    // A dataset file: the CLI uploads it with the client credential, the worker reads it from the bucket.
    const rows = Array.from({ length: 120 }, (_, i) => `${(i % 7) / 7},${(i % 5) / 5},${(i % 7) / 7 + (i % 5) / 5 > 0.9 ? 1 : 0}`);
    writeFileSync(join(dir, "data.csv"), `a,b,y\n${rows.join("\n")}\n`);
    writeFileSync(
      join(dir, "study.yaml"),
      `name: nats-permissions
dataset: { path: data.csv, target: y }
task: binary
space: { depth: 1, width: 4, activation: relu, learningRate: 0.1, batchSize: 16, epochs: 2 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 3, parallel: 2 }
seed: 1
`,
    );
    const create = automl(["study", "create", join(dir, "study.yaml")], { ...env, ...envOf(CREDS.client) });
    expect(await create.exited, create.stderr()).toBe(0);
    const studyId = create.stdout().trim();
    expect(await studyEnd(db, studyId, 120_000, procs)).toBe("COMPLETED");
    const trials = await db.trial.findMany({ where: { studyId } });
    expect(trials.map((t) => [t.status, t.error])).toEqual(trials.map(() => ["COMPLETED", null]));
    // Nothing any of them did was refused: the permissions are all they need.
    expect(server.log().slice(logFrom).split("\n").filter((l) => /violation/i.test(l))).toEqual([]);
  }, 180_000);

  it("an unsigned cancel is ignored and logged; the coordinator's signed one stops the running trial", async () => {
    // Long epochs: the trial is still training when the cancels arrive. The worker makes every
    // epoch last 3 s (AUTOML_TEST_MIN_EPOCH_MS, tests only), so that holds on any machine.
    worker.child.kill("SIGTERM");
    await worker.exited;
    worker = automl(["worker"], { ...env, ...envOf(CREDS.worker), AUTOML_HOME: join(dir, "worker"), AUTOML_LOG_LEVEL: "info", AUTOML_TEST_MIN_EPOCH_MS: "3000" });
    procs.push(worker);
    writeFileSync(
      join(dir, "slow.yaml"),
      `name: nats-cancel
dataset: { builtin: moons, n: 400, noise: 0.2 }
task: binary
space: { depth: 1, width: 8, activation: relu, learningRate: 0.01, batchSize: 8, epochs: 4 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 1, parallel: 1 }
seed: 3
`,
    );
    const create = automl(["study", "create", join(dir, "slow.yaml")], { ...env, ...envOf(CREDS.client) });
    expect(await create.exited, create.stderr()).toBe(0);
    const studyId = create.stdout().trim();
    const running = await until(() => db.trial.findFirst({ where: { studyId, status: "RUNNING" } }), "a running trial", 60_000);

    // Someone holding a credential allowed to publish cancels, but not the key, sends one unsigned.
    const forger = await connectNats({ url: server.url, name: "forger", credentials: CREDS.coordinator });
    forger.publish(`automl.control.cancel.${studyId}`);
    await forger.flush();
    await forger.close();
    const ignored = await until(
      async () => worker.stderr().split("\n").find((l) => l.includes("cancel ignored")) ?? null,
      "the worker to log the ignored cancel",
      20_000,
    );
    expect(JSON.parse(ignored)).toMatchObject({ level: 40, studyId, reason: "unsigned" });
    expect((await db.trial.findUniqueOrThrow({ where: { id: running.id } })).status).toBe("RUNNING");
    expect(worker.stderr()).not.toContain("running trials stopped");

    const cancel = automl(["study", "cancel", studyId], { ...env, ...envOf(CREDS.client) });
    expect(await cancel.exited, cancel.stderr()).toBe(0);
    const line = await until(
      async () => worker.stderr().split("\n").find((l) => l.includes("running trials stopped")) ?? null,
      "the worker to stop the trial on the signed cancel",
      20_000,
    );
    expect(JSON.parse(line)).toMatchObject({ studyId, trials: [running.id] });
    const ended = await until(() => db.trial.findFirst({ where: { id: running.id, status: { not: "RUNNING" } } }), "the trial to end", 30_000);
    expect(ended.status).toBe("CANCELLED");
    // No process printed the key or a password.
    for (const p of procs) for (const secret of [CANCEL_KEY, ...Object.values(PASSWORDS)]) expect(p.stderr() + p.stdout()).not.toContain(secret);
  }, 180_000);
});
