import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { AppError, freePort, grpcClientSecurity, grpcServerSecurity, type GrpcClientSecurity, type Logger } from "@automl/common";
import { applyMigrations, createDb, createPgliteDb, pgExecutor, startEmbeddedPostgres, type Db } from "@automl/db";
import { CachedDatasetStore, DEFAULT_MODEL_BUCKET, DirectoryCheckpointStore, JetStreamCheckpointStore, JetStreamDatasetStore, JetStreamQueue, MemoryQueue, natsCredentials, natsTls, type TrialQueue } from "@automl/messaging";
import { startCoordinator, type RunningCoordinator } from "@automl/coordinator";
import { startWorker, ThreadPool, type RunningWorker } from "@automl/worker";
import { ModelStore } from "@automl/model";
import type { CliEnv } from "./env";

/** Heartbeats (and ack-deadline extensions) three times per ack wait, so one lost beat is harmless. */
function heartbeatMs(env: CliEnv): number {
  return Math.max(200, Math.floor(env.AUTOML_ACK_WAIT_MS / 3));
}

export interface EmbeddedStack {
  coordinatorAddr: string;
  /** Postgres URL of the embedded database, for the dashboard. */
  databaseUrl: string;
  /** The embedded coordinator's token (random per run): only this process and its dashboard hold it. */
  coordinatorSecurity: GrpcClientSecurity;
  /** The in-process client of the embedded database (the socket serves one session at a time). */
  db: Db;
  stop(): Promise<void>;
}

/**
 * Everything in one process with zero setup: PGlite (data under AUTOML_HOME, served on a
 * loopback port for the dashboard), the in-memory queue, the coordinator on a loopback port and
 * in-process workers. The same coordinator and worker code as the distributed mode; only the
 * database and queue adapters differ.
 */
export async function startEmbeddedStack(env: CliEnv, log: Logger, workers: number): Promise<EmbeddedStack> {
  // The training threads load their code on the other core while PGlite starts on this one.
  const threadPool = new ThreadPool(workers, { backend: env.AUTOML_BACKEND, minEpochMs: env.AUTOML_TEST_MIN_EPOCH_MS });
  log.info({ dataDir: join(env.AUTOML_HOME, "pgdata") }, "starting embedded Postgres (PGlite)");
  const pg = await startEmbeddedPostgres({ dataDir: join(env.AUTOML_HOME, "pgdata"), port: await freePort() });
  const db = createPgliteDb(pg.pglite);
  const queue = new MemoryQueue(log, { ackWaitMs: env.AUTOML_ACK_WAIT_MS, maxDeliver: env.AUTOML_MAX_DELIVER });
  // Loopback only, and still not open to other local users: a token made for this run.
  const security = { token: randomBytes(24).toString("base64url") };
  const coordinator = await startCoordinator({
    db,
    queue,
    log,
    listen: "127.0.0.1:0",
    security,
    // The CLI of this process is the only client, and it resolved the path from the user's study file.
    localDatasetPaths: true,
    // `automl run` stores the importance itself before it prints the result (main.ts).
    scheduler: { ackWaitMs: env.AUTOML_ACK_WAIT_MS, maxDeliver: env.AUTOML_MAX_DELIVER, importanceOnCompletion: false },
  });
  const checkpoints = env.AUTOML_CHECKPOINT_EVERY ? { store: new DirectoryCheckpointStore(join(env.AUTOML_HOME, "checkpoints")), policy: env.AUTOML_CHECKPOINT_EVERY } : undefined;
  const modelFiles = new ModelStore(join(env.AUTOML_HOME, "models"));
  const models = { put: async (id: string, bytes: Uint8Array) => modelFiles.putBytes(id, bytes).path };
  const worker = await startWorker({ queue, coordinator: coordinator.address, security, datasetPaths: "any", pool: env.AUTOML_POOL, log, concurrency: workers, heartbeatMs: heartbeatMs(env), backend: env.AUTOML_BACKEND, threadPool, checkpoints, models });
  return {
    coordinatorAddr: coordinator.address,
    databaseUrl: pg.url,
    coordinatorSecurity: security,
    db,
    async stop() {
      await worker.stop();
      await queue.close();
      await coordinator.stop();
      await db.$disconnect();
      await pg.stop();
    },
  };
}

/** The coordinator of the distributed mode: Postgres and JetStream from the environment. */
export async function startDistributedCoordinator(env: CliEnv, log: Logger): Promise<{ coordinator: RunningCoordinator; ready(): boolean; stop(): Promise<void> }> {
  const { db, queue } = await connectServices(env, log, true);
  const coordinator = await startCoordinator({
    db,
    queue,
    log,
    listen: env.AUTOML_GRPC_LISTEN,
    security: grpcServerSecurity(env),
    insecure: env.AUTOML_INSECURE,
    scheduler: { ackWaitMs: env.AUTOML_ACK_WAIT_MS, maxDeliver: env.AUTOML_MAX_DELIVER },
    lease: { ttlMs: env.AUTOML_LEADER_LEASE_MS },
  });
  return {
    coordinator,
    // Holds the scheduler lease or waits for it: both serve every RPC. Not ready when its lease
    // rounds stopped reaching Postgres.
    ready: () => coordinator.healthy(),
    async stop() {
      await coordinator.stop();
      await queue.close();
      await db!.$disconnect();
    },
  };
}

/** Applies pending migrations to AUTOML_DATABASE_URL (the `migrate` command and coordinator start). */
export async function migrate(env: CliEnv, log: Logger): Promise<string[]> {
  if (!env.AUTOML_DATABASE_URL) throw new AppError("INVALID_ARGUMENT", "AUTOML_DATABASE_URL: required for this command");
  const sql = await pgExecutor(env.AUTOML_DATABASE_URL);
  try {
    const applied = await applyMigrations(sql);
    log.info({ applied }, applied.length ? "migrations applied" : "database is up to date");
    return applied;
  } finally {
    await sql.close();
  }
}

/** Where the CLI's NATS connections go, as whom, over what TLS (env: AUTOML_NATS_*). */
export const natsOptions = (env: CliEnv) => ({ url: env.AUTOML_NATS_URL!, credentials: natsCredentials(env), tls: natsTls(env) });

/**
 * The bucket of refit models, by SHA-256 (docs/models.md). Workers write it; the CLI opens it
 * read-only (its NATS user may read it, not create it: infra/nats).
 */
export const connectModelBucket = (env: CliEnv, access: "write" | "read") =>
  JetStreamCheckpointStore.connect({
    ...natsOptions(env),
    bucket: DEFAULT_MODEL_BUCKET,
    ...(access === "read" ? { readOnly: true } : { description: "automl refit models by SHA-256" }),
  });

export async function startDistributedWorker(env: CliEnv, log: Logger): Promise<RunningWorker & { close(): Promise<void> }> {
  const { queue } = await connectServices(env, log, false);
  // Read-only: a worker's NATS user may read the dataset bucket, not create it (infra/nats).
  const objects = await JetStreamDatasetStore.connect({ ...natsOptions(env), readOnly: true });
  const datasets = new CachedDatasetStore(objects, join(env.AUTOML_HOME, "datasets"));
  // Checkpoints of running trials, in their own Object Store bucket (workers may write it: infra/nats).
  const checkpointStore = env.AUTOML_CHECKPOINT_EVERY ? await JetStreamCheckpointStore.connect(natsOptions(env)) : undefined;
  // Refit models, by SHA-256, in their own bucket: the CLI fetches them from there (docs/models.md).
  const modelBucket = await connectModelBucket(env, "write");
  const worker = await startWorker({
    ...(checkpointStore ? { checkpoints: { store: checkpointStore, policy: env.AUTOML_CHECKPOINT_EVERY! } } : {}),
    models: { put: async (id, bytes) => (await modelBucket.put(id, bytes), `nats://${DEFAULT_MODEL_BUCKET}/${id}`) },
    datasets,
    datasetPaths: env.AUTOML_DATASET_DIRS,
    queue,
    coordinator: env.AUTOML_COORDINATOR_ADDR,
    security: grpcClientSecurity(env),
    pool: env.AUTOML_POOL,
    log,
    concurrency: env.AUTOML_WORKER_CONCURRENCY,
    heartbeatMs: heartbeatMs(env),
    backend: env.AUTOML_BACKEND,
    benchNoopTraining: env.AUTOML_BENCH_NOOP_TRAINING,
    minEpochMs: env.AUTOML_TEST_MIN_EPOCH_MS,
  });
  return {
    ...worker,
    async close() {
      await queue.close();
      await objects.close();
      await checkpointStore?.close();
      await modelBucket.close();
    },
  };
}

async function connectServices(env: CliEnv, log: Logger, withDb: true): Promise<{ db: Db; queue: TrialQueue }>;
async function connectServices(env: CliEnv, log: Logger, withDb: false): Promise<{ db?: undefined; queue: TrialQueue }>;
async function connectServices(env: CliEnv, log: Logger, withDb: boolean): Promise<{ db?: Db; queue: TrialQueue }> {
  if (!env.AUTOML_NATS_URL) throw new AppError("INVALID_ARGUMENT", "AUTOML_NATS_URL: required for this command");
  let db: Db | undefined;
  if (withDb) {
    await migrate(env, log);
    db = createDb(env.AUTOML_DATABASE_URL!);
  }
  const queue = await JetStreamQueue.connect({
    url: env.AUTOML_NATS_URL,
    log,
    stream: env.AUTOML_NATS_STREAM,
    subjectPrefix: env.AUTOML_NATS_SUBJECT_PREFIX,
    ackWaitMs: env.AUTOML_ACK_WAIT_MS,
    maxDeliver: env.AUTOML_MAX_DELIVER,
    credentials: natsCredentials(env),
    tls: natsTls(env),
    cancelKey: env.AUTOML_CANCEL_KEY,
    // Workers wait for the coordinator's stream: their NATS user may not create streams (infra/nats).
    createStream: withDb,
  });
  return { db, queue };
}
