// Load benchmark: a coordinator and N worker processes on the real NATS and Postgres (a fresh
// database and stream) run one study of many trivially small trials; then the same machine runs
// the peer, Optuna 3.1 with Postgres storage and 2 processes on a trivial 3-parameter objective.
// Prints one JSON document: trials/s and dispatch→recorded latency for ours, trials/s for Optuna,
// the ratio, and the verification of every row.
//
//   npm run bench:load                       (10,000 trials, 2 workers; Optuna 1,000 trials)
//   npx tsx bench/load/run.ts --trials 2000 --workers 2 --concurrency 32 --parallel 128 --optuna-trials 500
//
// What is measured, honestly: workers run with AUTOML_BENCH_NOOP_TRAINING=true, so a trial is
// answered without data or training (a score from 3 of its parameters, like Optuna's objective);
// everything else is the production path: the scheduler samples and writes each trial row and
// publishes it to JetStream, a worker pulls it, calls StartTrial and CompleteTrial (one row per
// fold) over gRPC, and acks. Latency is the trial row's createdAt (written just before its
// message is published) to its finishedAt (the outcome's commit).
import { spawn, type ChildProcess } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { credentials } from "@grpc/grpc-js";
import { freePort, grpcCall } from "@automl/common";
import { pgExecutor } from "@automl/db";
import { createTestDatabase, TEST_ADMIN_URL } from "@automl/db/testing";
import { JetStreamQueue } from "@automl/messaging";
import { TEST_NATS_URL, uniqueStreamNames } from "@automl/messaging/testing";
import { CoordinatorClient, StudyStatus, TrialStatus, type CreateStudyReply, type GetStudyReply, type ListStudiesReply } from "@automl/proto";
import { silentLogger } from "@automl/common";
import { REPO_ROOT } from "./support";

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "10000" },
    workers: { type: "string", default: "2" },
    concurrency: { type: "string", default: "32" },
    parallel: { type: "string", default: "128" },
    folds: { type: "string", default: "2" },
    "optuna-trials": { type: "string", default: "1000" },
    "optuna-processes": { type: "string", default: "2" },
    "no-optuna": { type: "boolean", default: false },
  },
});
const TRIALS = Number(args.trials);
const WORKERS = Number(args.workers);
const CONCURRENCY = Number(args.concurrency);
const PARALLEL = Number(args.parallel);
const FOLDS = Number(args.folds);
const OPTUNA_TRIALS = Number(args["optuna-trials"]);
const OPTUNA_PROCESSES = Number(args["optuna-processes"]);

const AUTOML_BIN = join(REPO_ROOT, "apps", "cli", "bin", "automl.mjs");
const log = (msg: string) => process.stderr.write(`[bench:load] ${msg}\n`);

const studyFile = `
name: load-bench
dataset: { builtin: xor, n: 16 }
task: binary
space:
  depth: 1
  width: { int: [2, 256], log: true }
  activation: relu
  learningRate: { float: [0.0001, 1.0], log: true }
  batchSize: { choice: [16, 64, 256] }
  epochs: 1
cv: { folds: ${FOLDS}, stratified: false }
objective: { metric: accuracy, direction: maximize }
sampler: random
budget: { trials: ${TRIALS}, parallel: ${PARALLEL} }
seed: 1
`;

function start(args: string[], env: Record<string, string>, name: string, nodeFlags: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, AUTOML_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, AUTOML_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let tail = "";
  child.stderr!.on("data", (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGTERM") log(`${name} exited (${code ?? signal}): ${tail}`);
  });
  return child;
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGTERM");
          setTimeout(() => c.kill("SIGKILL"), 15_000).unref();
        }),
    ),
  );
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runOurs(): Promise<Record<string, unknown>> {
  const database = await createTestDatabase(TEST_ADMIN_URL);
  const names = uniqueStreamNames();
  const grpcPort = await freePort();
  const addr = `127.0.0.1:${grpcPort}`;
  const env: Record<string, string> = {
    AUTOML_DATABASE_URL: database.url,
    AUTOML_NATS_URL: TEST_NATS_URL,
    AUTOML_NATS_STREAM: names.stream,
    AUTOML_NATS_SUBJECT_PREFIX: names.subjectPrefix,
    AUTOML_GRPC_LISTEN: addr,
    AUTOML_COORDINATOR_ADDR: addr,
  };
  const children: ChildProcess[] = [];
  const client = new CoordinatorClient(addr, credentials.createInsecure());
  try {
    // BENCH_PROFILE_DIR: CPU profiles of the coordinator and the workers (node --cpu-prof) to find the bottleneck.
    const prof = (who: string): string[] =>
      process.env.BENCH_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${join(process.env.BENCH_PROFILE_DIR, who)}`] : [];
    children.push(start(["coordinator"], env, "coordinator", prof("coordinator")));
    await until("the coordinator", async () => Boolean(await grpcCall<ListStudiesReply>((md, o, cb) => client.listStudies({ limit: 1 }, md, o, cb))), 120_000);
    const health: string[] = [];
    for (let i = 0; i < WORKERS; i++) {
      const h = `127.0.0.1:${await freePort()}`;
      health.push(h);
      children.push(
        start(["worker"], { ...env, AUTOML_WORKER_CONCURRENCY: String(CONCURRENCY), AUTOML_BENCH_NOOP_TRAINING: "true", AUTOML_HEALTH_LISTEN: h }, `worker ${i + 1}`, prof(`worker-${i + 1}`)),
      );
    }
    for (const h of health) await until(`worker at ${h}`, async () => (await fetch(`http://${h}/readyz`)).status === 200, 120_000);
    log(`coordinator and ${WORKERS} workers × ${CONCURRENCY} slots ready; ${TRIALS} trials, parallel ${PARALLEL}`);

    const t0 = Date.now();
    const created = await grpcCall<CreateStudyReply>((md, o, cb) => client.createStudy({ studyFile }, md, o, cb));
    const studyId = created.study!.id;
    let lastLog = 0;
    for (;;) {
      const s = (await grpcCall<GetStudyReply>((md, o, cb) => client.getStudy({ studyId }, md, o, cb))).study!;
      if (s.status !== StudyStatus.STUDY_STATUS_RUNNING) {
        if (s.status !== StudyStatus.STUDY_STATUS_COMPLETED) throw new Error(`study ended ${StudyStatus[s.status]}`);
        break;
      }
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        const done = s.counts.filter((c) => c.status !== TrialStatus.TRIAL_STATUS_QUEUED && c.status !== TrialStatus.TRIAL_STATUS_RUNNING).reduce((a, c) => a + c.count, 0);
        log(`${done}/${TRIALS} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const wallSeconds = (Date.now() - t0) / 1000;

    const sql = await pgExecutor(database.url);
    try {
      const [v] = await sql.query<Record<string, string | number | null>>(
        `SELECT count(*)::int AS rows,
                count(DISTINCT number)::int AS distinct_numbers,
                min(number)::int AS min_number, max(number)::int AS max_number,
                count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
                count(*) FILTER (WHERE attempt <> 1)::int AS not_first_attempt,
                count(*) FILTER (WHERE "finishedAt" IS NULL OR "cvMean" IS NULL)::int AS without_outcome,
                count(*) FILTER (WHERE backend IS DISTINCT FROM 'bench-noop')::int AS other_backend,
                extract(epoch FROM max("finishedAt") - min("createdAt"))::float8 AS span_s,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "createdAt")) * 1000 AS p50_ms,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM "finishedAt" - "createdAt")) * 1000 AS p99_ms
           FROM "Trial" WHERE "studyId" = $1`,
        [studyId],
      );
      const [f] = await sql.query<{ fold_rows: number; bad_trials: number }>(
        `SELECT coalesce(sum(n), 0)::int AS fold_rows, count(*) FILTER (WHERE n <> $2 OR distinct_folds <> $2)::int AS bad_trials
           FROM (SELECT t.id, count(f.id) AS n, count(DISTINCT f.fold) AS distinct_folds
                   FROM "Trial" t LEFT JOIN "FoldResult" f ON f."trialId" = t.id WHERE t."studyId" = $1 GROUP BY t.id) x`,
        [studyId, FOLDS],
      );
      const verification = { ...v, fold_rows: f!.fold_rows, trials_without_exactly_one_row_per_fold: f!.bad_trials };
      const verified =
        v!.rows === TRIALS && v!.distinct_numbers === TRIALS && v!.min_number === 0 && v!.max_number === TRIALS - 1 && v!.completed === TRIALS &&
        v!.without_outcome === 0 && v!.other_backend === 0 && f!.fold_rows === TRIALS * FOLDS && f!.bad_trials === 0;
      const span = Number(v!.span_s);
      return {
        trials: TRIALS,
        workers: WORKERS,
        slotsPerWorker: CONCURRENCY,
        parallel: PARALLEL,
        folds: FOLDS,
        trialsPerSecond: Number((TRIALS / span).toFixed(1)),
        wallSeconds: Number(wallSeconds.toFixed(2)),
        latencyMs: { p50: Number(Number(v!.p50_ms).toFixed(1)), p99: Number(Number(v!.p99_ms).toFixed(1)), from: "trial row written (then published) → outcome committed" },
        verified,
        verification,
      };
    } finally {
      await sql.close();
    }
  } finally {
    client.close();
    await stopAll(children);
    const q = await JetStreamQueue.connect({ url: TEST_NATS_URL, log: silentLogger(), ...names });
    await q.deleteStream().catch(() => {});
    await q.close();
    await database.drop();
  }
}

async function runOptuna(): Promise<Record<string, unknown>> {
  const name = `automl_bench_optuna_${process.pid}`;
  const admin = await pgExecutor(TEST_ADMIN_URL);
  await admin.exec(`CREATE DATABASE "${name}"`);
  await admin.close();
  const u = new URL(TEST_ADMIN_URL);
  u.pathname = `/${name}`;
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const py = spawn("/usr/bin/python3", [join(REPO_ROOT, "bench", "load", "optuna_peer.py"), u.toString(), String(OPTUNA_TRIALS), String(OPTUNA_PROCESSES)], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      py.stdout.on("data", (d) => (stdout += d));
      py.stderr.on("data", (d) => (stderr += d));
      py.once("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`optuna_peer.py exited ${code}: ${stderr.slice(-2000)}`))));
    });
    return JSON.parse(out.trim().split("\n").pop()!) as Record<string, unknown>;
  } finally {
    const a = await pgExecutor(TEST_ADMIN_URL);
    await a.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await a.close();
  }
}

const loadBefore = loadavg()[0]!;
const ours = await runOurs();
log(`ours: ${ours.trialsPerSecond} trials/s`);
const optuna = args["no-optuna"] ? undefined : await runOptuna();
if (optuna) log(`optuna: ${optuna.trialsPerSecond} trials/s`);
const result = {
  benchmark: "load: trivially small trials end to end (queue → worker → gRPC → Postgres)",
  measured: "workers answer trials without training (AUTOML_BENCH_NOOP_TRAINING); sampling, rows, JetStream, StartTrial, CompleteTrial with fold rows, acks are the production path",
  machine: { cpus: availableParallelism(), loadAverage1mBefore: Number(loadBefore.toFixed(2)), loadAverage1mAfter: Number(loadavg()[0]!.toFixed(2)) },
  ours,
  optuna: optuna ?? null,
  ratio: optuna ? Number(((ours.trialsPerSecond as number) / (optuna.trialsPerSecond as number)).toFixed(2)) : null,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
process.exit(ours.verified && (!optuna || optuna.verified) ? 0 : 1);
