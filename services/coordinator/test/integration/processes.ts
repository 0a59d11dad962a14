import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials } from "@grpc/grpc-js";
import { freePort, grpcCall, silentLogger } from "@automl/common";
import { createDb, type Db } from "@automl/db";
import { createTestDatabase, TEST_ADMIN_URL } from "@automl/db/testing";
import { JetStreamQueue } from "@automl/messaging";
import { TEST_NATS_URL, uniqueStreamNames } from "@automl/messaging/testing";
import { CoordinatorClient, type CreateStudyReply, type ListStudiesReply } from "@automl/proto";

/**
 * Real processes for the coordinator's search tests: `automl coordinator` and `automl worker`
 * (the product's own command) on a fresh database and a JetStream stream of the test's own.
 */

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const AUTOML_BIN = join(REPO_ROOT, "apps", "cli", "bin", "automl.mjs");

export interface Proc {
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

export function automl(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [AUTOML_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, AUTOML_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err = (err + String(d)).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stderr: () => err, exited };
}

export async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  const t = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await p.exited;
  clearTimeout(t);
}

/** Polls `fn` until it returns something truthy (generous deadlines: CI runs on 2 loaded cores). */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}


/** A fresh database, stream and port; `coordinator()` starts `automl coordinator` and resolves once it answers. */
export async function processFixture(extraEnv: Record<string, string> = {}) {
  const database = await createTestDatabase(TEST_ADMIN_URL);
  const db: Db = createDb(database.url);
  const port = await freePort();
  const names = uniqueStreamNames();
  const address = `127.0.0.1:${port}`;
  const env: Record<string, string> = {
    AUTOML_DATABASE_URL: database.url,
    AUTOML_NATS_URL: TEST_NATS_URL,
    AUTOML_NATS_STREAM: names.stream,
    AUTOML_NATS_SUBJECT_PREFIX: names.subjectPrefix,
    AUTOML_GRPC_LISTEN: address,
    AUTOML_COORDINATOR_ADDR: address,
    ...extraEnv,
  };
  const client = new CoordinatorClient(address, credentials.createInsecure());
  const procs: Proc[] = [];
  return {
    env,
    db,
    procs,
    async coordinator(): Promise<Proc> {
      const proc = automl(["coordinator"], env);
      procs.push(proc);
      await until(async () => {
        if (proc.child.exitCode !== null) throw new Error(`coordinator exited: ${proc.stderr()}`);
        return grpcCall<ListStudiesReply>((md, o, cb) => client.listStudies({ limit: 1 }, md, o, cb)).then(() => true, () => false);
      }, "the coordinator to answer", 60_000);
      return proc;
    },
    worker(): Proc {
      const proc = automl(["worker"], env);
      procs.push(proc);
      return proc;
    },
    async createStudy(studyFile: string): Promise<string> {
      const reply = await grpcCall<CreateStudyReply>((md, o, cb) => client.createStudy({ studyFile }, md, o, cb));
      return reply.study!.id;
    },
    /** Waits for the study to leave RUNNING; on timeout, says where its trials stand and what the processes logged. */
    async studyEnd(studyId: string, timeoutMs = 240_000): Promise<string> {
      try {
        const s = await until(async () => {
          const st = await db.study.findUnique({ where: { id: studyId }, select: { status: true } });
          return st && st.status !== "RUNNING" ? st : null;
        }, `study ${studyId} to end`, timeoutMs);
        return s.status;
      } catch (err) {
        const counts = await db.trial.groupBy({ by: ["status"], where: { studyId }, _count: { _all: true } });
        const tails = procs.map((p, i) => `--- process ${i}:\n${p.stderr().slice(-1500)}`).join("\n");
        throw new Error(`${(err as Error).message}; trials ${JSON.stringify(counts.map((c) => [c.status, c._count._all]))}\n${tails}`);
      }
    },
    async dispose(): Promise<void> {
      await Promise.all(procs.map(stop));
      client.close();
      await db.$disconnect();
      const q = await JetStreamQueue.connect({ url: TEST_NATS_URL, log: silentLogger(), ...names });
      await q.deleteStream().catch(() => {});
      await q.close();
      await database.drop();
    },
  };
}
