import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const AUTOML_BIN = join(REPO_ROOT, "apps", "cli", "bin", "automl.mjs");

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `automl <args>` as a real process with the given environment. */
export function automl(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [AUTOML_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, AUTOML_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Stops a long-running component the way an operator would (SIGTERM), SIGKILL if it hangs. */
export async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null) return;
  p.child.kill("SIGTERM");
  const t = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await p.exited;
  clearTimeout(t);
}

/** Starts `automl coordinator` and resolves once it answers over gRPC. */
export async function startCoordinatorProcess(env: Record<string, string>): Promise<Proc> {
  const { CoordinatorApi } = await import("../src/client");
  const proc = automl(["coordinator"], env);
  const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR!);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      try {
        await api.listStudies(1);
        return proc;
      } catch (err) {
        if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`coordinator did not start: ${proc.stderr()}`, { cause: err });
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  } finally {
    api.close();
  }
}

/**
 * Two coordinators on one database (a leader and a standby), each on its own port: `start(i)`
 * starts coordinator i (again, after a kill) and resolves once it answers. `workerEnv` points
 * workers and clients at both (a grpc-js address list: calls go to whichever is up), as a
 * Kubernetes Service in front of the two replicas does.
 */
export async function coordinatorPair(env: Record<string, string>) {
  const { freePort } = await import("@automl/common");
  const addrs = [env.AUTOML_COORDINATOR_ADDR!, `127.0.0.1:${await freePort()}`];
  const workerEnv = { ...env, AUTOML_COORDINATOR_ADDR: `ipv4:${addrs.join(",")}` };
  return {
    addrs,
    workerEnv,
    start: (i: 0 | 1, extra: Record<string, string> = {}) => startCoordinatorProcess({ ...env, AUTOML_GRPC_LISTEN: addrs[i]!, AUTOML_COORDINATOR_ADDR: addrs[i]!, ...extra }),
  };
}

/**
 * What a distributed test needs of its own: a fresh migrated database, a JetStream stream and
 * subject prefix, a free coordinator port, and the environment naming them; `dispose` removes it all.
 */
export async function distributedFixture(extraEnv: Record<string, string> = {}) {
  const { createDb } = await import("@automl/db");
  const { createTestDatabase, TEST_ADMIN_URL } = await import("@automl/db/testing");
  const { JetStreamQueue } = await import("@automl/messaging");
  const { TEST_NATS_URL, uniqueStreamNames } = await import("@automl/messaging/testing");
  const { freePort, silentLogger } = await import("@automl/common");
  const database = await createTestDatabase(TEST_ADMIN_URL);
  const db = createDb(database.url);
  const port = await freePort();
  const names = uniqueStreamNames();
  const env: Record<string, string> = {
    AUTOML_DATABASE_URL: database.url,
    AUTOML_NATS_URL: TEST_NATS_URL,
    AUTOML_NATS_STREAM: names.stream,
    AUTOML_NATS_SUBJECT_PREFIX: names.subjectPrefix,
    AUTOML_GRPC_LISTEN: `127.0.0.1:${port}`,
    AUTOML_COORDINATOR_ADDR: `127.0.0.1:${port}`,
    ...extraEnv,
  };
  return {
    env,
    db,
    names,
    async dispose() {
      await db.$disconnect();
      const q = await JetStreamQueue.connect({ url: TEST_NATS_URL, log: silentLogger(), ...names });
      await q.deleteStream().catch(() => {});
      await q.close();
      await database.drop();
    },
  };
}

/**
 * The hooks of a suite of `automl` processes on one distributedFixture: the fixture is made before
 * the suite's tests; after them, every process pushed onto `procs` is stopped, then the fixture removed.
 * Call it in the body of a `describe`.
 */
export function distributedSuite(extraEnv: Record<string, string> = {}) {
  let fixture: Awaited<ReturnType<typeof distributedFixture>> | undefined;
  const procs: Proc[] = [];
  beforeAll(async () => {
    fixture = await distributedFixture(extraEnv);
  });
  afterAll(async () => {
    await Promise.all(procs.map(stop));
    await fixture?.dispose();
  });
  const made = () => {
    if (!fixture) throw new Error("distributedSuite: the fixture is made in beforeAll; use it inside a test");
    return fixture;
  };
  return {
    procs,
    get db() {
      return made().db;
    },
    get env() {
      return made().env;
    },
    get names() {
      return made().names;
    },
  };
}

/**
 * A study whose trials each train for several seconds, so that a test can act on a worker while
 * it is mid-trial (kill it, stop it, cut its link). Every trial has the same configuration.
 * Its workers need SLOW_STUDY_ENV: epochs are reported in batches of about a second, so a trial
 * must last seconds for a test to see it mid-trial with part of its curve recorded, and how long
 * the engine takes depends on the machine (a bigger data set stopped being enough twice). With
 * AUTOML_TEST_MIN_EPOCH_MS every epoch lasts at least `minEpochMs`: 150 × 3 × 10 ms = 4.5 s a
 * trial on any machine, while the small data set keeps the arithmetic (and the CPU the test
 * takes from the tests running beside it) negligible.
 */
export const SLOW_STUDY = { folds: 3, epochs: 150, trials: 4, rows: 600, minEpochMs: 10 } as const;
/** The worker environment that makes SLOW_STUDY's trials slow (tests only; see AUTOML_TEST_MIN_EPOCH_MS). */
export const SLOW_STUDY_ENV = { AUTOML_TEST_MIN_EPOCH_MS: String(SLOW_STUDY.minEpochMs) } as const;
export function slowStudyFile(name: string): string {
  return `
name: ${name}
dataset: { builtin: moons, n: ${SLOW_STUDY.rows}, noise: 0.2 }
task: binary
space: { depth: 2, width: 32, activation: tanh, learningRate: 0.05, batchSize: 8, epochs: ${SLOW_STUDY.epochs} }
cv: { folds: ${SLOW_STUDY.folds} }
objective: { metric: accuracy, direction: maximize }
budget: { trials: ${SLOW_STUDY.trials}, parallel: 2 }
seed: 5
`;
}
