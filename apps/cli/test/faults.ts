import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { until as pollUntil } from "@automl/coordinator/testing";
import type { Db } from "@automl/db";

/**
 * Helpers of the fault tests (apps/cli/test/integration/faults): polling with generous deadlines,
 * a study of tiny trials, the exactly-once invariant, a NATS server of the test's own.
 */

/** Polls `fn` until it returns something truthy; generous deadlines, since CI runs on 2 loaded cores. */
export function until<T>(fn: () => Promise<T | null | undefined | false>, what: string | (() => string), timeoutMs = 120_000, everyMs = 150): Promise<T> {
  return pollUntil(fn, what, timeoutMs, everyMs);
}

export const TINY = { folds: 2, epochs: 2 } as const;

/** A study of tiny trials (xor, 2 folds × 2 epochs, milliseconds of training each): orchestration, not compute. */
export function tinyStudyFile(name: string, o: { trials: number; parallel: number; epochs?: number; seed?: number; rows?: number }): string {
  return `
name: ${name}
dataset: { builtin: xor, n: ${o.rows ?? 40}, noise: 0.1 }
task: binary
space: { depth: 1, width: { int: [2, 8] }, activation: { choice: [relu, tanh] }, learningRate: 0.1, batchSize: 8, epochs: ${o.epochs ?? TINY.epochs} }
cv: { folds: ${TINY.folds}, stratified: true }
objective: { metric: accuracy, direction: maximize }
budget: { trials: ${o.trials}, parallel: ${o.parallel} }
seed: ${o.seed ?? 3}
`;
}

/** Waits until the study left RUNNING; returns its final status. On timeout, says where its trials stand and what the processes logged. */
export async function studyEnd(db: Db, studyId: string, timeoutMs = 180_000, logs: { stderr(): string }[] = []): Promise<string> {
  try {
    const s = await until(
      async () => {
        const st = await db.study.findUnique({ where: { id: studyId }, select: { status: true } });
        return st && st.status !== "RUNNING" ? st : null;
      },
      `study ${studyId} to end`,
      timeoutMs,
      250,
    );
    return s.status;
  } catch (err) {
    const counts = await db.trial.groupBy({ by: ["status"], where: { studyId }, _count: { _all: true } });
    const stuck = await db.trial.findMany({ where: { studyId, status: { in: ["QUEUED", "RUNNING"] } }, select: { number: true, status: true, attempt: true }, take: 10 });
    const tails = logs.map((p, i) => `--- process ${i}:\n${p.stderr().slice(-1500)}`).join("\n");
    throw new Error(`${(err as Error).message}; trials ${JSON.stringify(counts.map((c) => [c.status, c._count._all]))}, unfinished ${JSON.stringify(stuck)}\n${tails}`);
  }
}

/**
 * The promise to users, checked on the rows: the study finished; it has exactly `trials` trials
 * numbered 0..trials−1; each has one terminal status; completed ones have exactly one result row
 * per fold (and a full learning curve when `epochs` is given), the others none.
 */
export async function expectEachTrialOnce(db: Db, studyId: string, o: { trials: number; folds: number; epochs?: number; allCompleted?: boolean }): Promise<void> {
  const study = await db.study.findUniqueOrThrow({ where: { id: studyId } });
  expect(study.status).toBe("COMPLETED");
  const trials = await db.trial.findMany({
    where: { studyId },
    orderBy: { number: "asc" },
    include: { folds: { select: { fold: true } }, _count: { select: { epochs: true } } },
  });
  expect(trials.map((t) => t.number)).toEqual(Array.from({ length: o.trials }, (_, i) => i));
  for (const t of trials) {
    expect(["COMPLETED", "FAILED", "DIVERGED", "PRUNED", "CANCELLED"], `trial ${t.number}`).toContain(t.status);
    if (o.allCompleted) expect(t.status, `trial ${t.number}: ${t.error ?? ""}`).toBe("COMPLETED");
    if (t.status === "COMPLETED") {
      expect(t.folds.map((f) => f.fold).sort(), `trial ${t.number} fold rows`).toEqual(Array.from({ length: o.folds }, (_, i) => i));
      expect(t.cvMean, `trial ${t.number}`).not.toBeNull();
      if (o.epochs !== undefined) expect(t._count.epochs, `trial ${t.number} curve points`).toBe(o.folds * o.epochs);
    } else {
      expect(t.folds, `trial ${t.number} (${t.status}) fold rows`).toHaveLength(0);
    }
  }
}

/** Writes nothing but the directory: a place for a test's own files. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  child: ChildProcess;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** A new server on the same port and store directory. */
  restart(): Promise<NatsServer>;
  stop(): Promise<void>;
}

/**
 * A nats-server of the test's own (JetStream, file storage in `storeDir`, loopback, a free port),
 * so that the test may kill and restart it; never the shared one on 4222.
 */
export async function startNatsServer(port: number, storeDir: string): Promise<NatsServer> {
  const child = spawn("/usr/sbin/nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const { connect } = await import("@nats-io/transport-node");
  const url = `nats://127.0.0.1:${port}`;
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited: ${err}`);
      try {
        const nc = await connect({ servers: url, timeout: 1_000 });
        await nc.close();
        return true;
      } catch {
        return false;
      }
    },
    "nats-server to accept connections",
    30_000,
  );
  const server: NatsServer = {
    url,
    port,
    storeDir,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async restart() {
      await server.kill();
      return startNatsServer(port, storeDir);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
  return server;
}

/** The pid of the coordinator process that holds the scheduler lease now (its holder is host:pid:random); undefined when none does. */
export async function leaderPid(db: Db): Promise<number | undefined> {
  const rows = await db.$queryRaw<{ holder: string }[]>`
    SELECT holder FROM "SchedulerLease" WHERE name = 'scheduler' AND "expiresAt" > now() AT TIME ZONE 'UTC'`;
  const pid = rows[0]?.holder.split(":")[1];
  return pid === undefined ? undefined : Number(pid);
}

/**
 * Every trial message published on the stream's subjects, seen by a core NATS subscription (it
 * sees copies JetStream then drops as duplicates too), and the stream's own count of stored
 * messages: `stored()` equals the number of distinct message ids when nothing was dispatched twice.
 */
export async function watchDispatches(natsUrl: string, names: { stream: string; subjectPrefix: string }) {
  const { connect } = await import("@nats-io/transport-node");
  const { jetstreamManager } = await import("@nats-io/jetstream");
  const nc = await connect({ servers: natsUrl });
  const ids: string[] = [];
  const sub = nc.subscribe(`${names.subjectPrefix}.trials.>`, { callback: (_err, msg) => void ids.push(msg.headers?.get("Nats-Msg-Id") ?? "?") });
  await nc.flush();
  return {
    /** Message ids of every publish, in order (`<trialId>:<dispatch>`). */
    ids: () => [...ids],
    async stored(): Promise<number> {
      const jsm = await jetstreamManager(nc);
      return (await jsm.streams.info(names.stream)).state.last_seq;
    },
    async close() {
      sub.unsubscribe();
      await nc.close();
    },
  };
}
