import { spawn, spawnSync } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Db } from "@automl/db";
import { AUTOML_BIN, REPO_ROOT, type Proc, SLOW_STUDY, SLOW_STUDY_ENV, slowStudyFile } from "../support";

/**
 * Coordinator, NATS, Postgres, two workers and the client each on their own host: network
 * namespaces on one machine, joined by a bridge in a "switch" namespace (infra/multihost/netns.sh).
 * A study runs across them; pulling one worker's cable mid-trial leaves its trial to be
 * redelivered after the ack wait and finished by the other worker, recorded exactly once.
 *
 * Nothing is added to the root namespace and nothing there ever dials a 10.77.x address (the
 * root namespace's default route leads off the machine): the test reads the database through
 * the Postgres Unix socket in its temp dir, and every TCP connection starts inside a namespace.
 */

const NETNS_SH = join(REPO_ROOT, "infra", "multihost", "netns.sh");
/** Debian's server binaries (initdb, postgres) are off PATH: /usr/lib/postgresql/<major>/bin, newest first. */
function pgBin(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "postgres"))) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (!majors[0]) throw new Error(`no PostgreSQL server under ${root} (Debian: apt-get install postgresql)`);
  return join(root, majors[0], "bin");
}

function netnsUsable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const r = spawnSync("ip", ["netns", "list"], { stdio: "ignore" });
  return r.status === 0;
}
// Under CI this must run (CI is root with iproute2); elsewhere it needs root and `ip netns`.
const enabled = process.env.CI === "true" || netnsUsable();

const { folds: FOLDS, epochs: EPOCHS, trials: TRIALS } = SLOW_STUDY;
const STUDY = slowStudyFile("multihost");
const ACK_WAIT_MS = 3000;
/** What a worker logs when it is done with a delivery, one way or another. */
const STALE_ENDS = new Set(["trial reported", "trial failed", "trial handler failed; nak", "trial already settled; acked without training", "report refused: a newer attempt holds the trial; acked without an outcome"]);

/** The hosts, in the order netns.sh numbers them: 10.77.<octet>.2, .3, … */
const HOSTS = ["db", "nats", "coord", "w1", "w2", "cli"] as const;
type Host = (typeof HOSTS)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined/null/false) or the deadline passes. */
async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs: number, context: () => string = () => ""): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await sleep(200);
  }
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function tail(text: string, lines = 25): string {
  return text.split("\n").slice(-lines).join("\n");
}

describe.skipIf(!enabled)("a study across hosts (network namespaces)", () => {
  const id = randomBytes(3).toString("hex");
  const octet = randomInt(100, 251);
  const ip = Object.fromEntries(HOSTS.map((h, i) => [h, `10.77.${octet}.${i + 2}`])) as Record<Host, string>;
  const nsOf = (h: Host) => `amh-${h}-${id}`;

  let dir = "";
  let pgSock = "";
  let db: Db | undefined;
  let netnsUp = false;
  const procs = new Map<string, Proc & { signal: NodeJS.Signals }>();

  const databaseUrl = () => `postgresql://postgres@${ip.db}:5432/automl`;
  const natsUrl = () => `nats://${ip.nats}:4222`;
  const coordinatorAddr = () => `${ip.coord}:50051`;
  // The coordinator listens beyond loopback, so it requires a bearer token (README "Security").
  const GRPC_TOKEN = "multihost-grpc-token-0123";

  /** Starts `cmd` on a host; `signal` is what asks it to stop (Postgres: SIGINT, a fast shutdown). */
  function onHost(name: string, host: Host, cmd: string[], env: Record<string, string> = {}, signal: NodeJS.Signals = "SIGTERM"): Proc {
    // `ip netns exec` execs the command, so the child's pid is the component's own.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AUTOML_")));
    const child = spawn("ip", ["netns", "exec", nsOf(host), ...cmd], { cwd: REPO_ROOT, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const p = { child, stdout: () => out, stderr: () => err, exited, signal };
    procs.set(name, p);
    return p;
  }

  function automlOn(name: string, host: Host, args: string[], env: Record<string, string>): Proc {
    return onHost(name, host, [process.execPath, AUTOML_BIN, ...args], { AUTOML_LOG_LEVEL: "info", AUTOML_HOME: join(dir, `home-${name}`), ...env });
  }

  async function stopProc(p: Proc & { signal: NodeJS.Signals }, graceMs = 10_000): Promise<void> {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.child.kill(p.signal);
    const t = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
    await p.exited;
    clearTimeout(t);
  }

  /** The last lines each process wrote, for failure messages. */
  function logs(): string {
    return [...procs].map(([name, p]) => `--- ${name} (exit ${p.child.exitCode ?? p.child.signalCode ?? "running"})\n${tail(p.stderr())}\n${tail(p.stdout(), 5)}`).join("\n");
  }

  const netns = (...args: string[]) => sh("bash", [NETNS_SH, ...args]);

  beforeAll(async () => {
    // Namespaces left by a run that died without its afterAll (their owner pid is gone).
    netns("gc");
    dir = mkdtempSync(join(tmpdir(), `amh-${id}-`));
    chmodSync(dir, 0o755); // postgres must reach its data and socket dirs below
    netns("setup", id, String(octet), String(process.pid), dir, ...HOSTS);
    netnsUp = true;

    // Postgres on host db: its own cluster, trust for the subnet (and the socket, for this test).
    const PG_BIN = pgBin();
    const pgUid = Number(sh("id", ["-u", "postgres"]).trim());
    const pgGid = Number(sh("id", ["-g", "postgres"]).trim());
    const pgData = join(dir, "pgdata");
    pgSock = join(dir, "pgsock");
    for (const d of [pgData, pgSock]) {
      mkdirSync(d, { mode: 0o700 });
      chownSync(d, pgUid, pgGid);
    }
    sh("runuser", ["-u", "postgres", "--", join(PG_BIN, "initdb"), "-D", pgData, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
    writeFileSync(join(pgData, "pg_hba.conf"), `local all all trust\nhost all all 10.77.${octet}.0/24 trust\n`);
    // setpriv execs (runuser would fork and stand between us and the postmaster's signals).
    onHost("postgres", "db", [
      "setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
      join(PG_BIN, "postgres"), "-D", pgData, "-p", "5432", "-k", pgSock,
      "-c", `listen_addresses=${ip.db}`, "-c", "fsync=off", "-c", "full_page_writes=off",
    ], {}, "SIGINT");
    const pg = procs.get("postgres")!;
    await until("postgres to accept connections", async () => {
      if (pg.child.exitCode !== null) throw new Error(`postgres exited: ${pg.stderr()}`);
      return spawnSync("pg_isready", ["-q", "-h", pgSock, "-p", "5432"]).status === 0;
    }, 30_000);
    sh("createdb", ["-h", pgSock, "-p", "5432", "-U", "postgres", "automl"]);

    // NATS with JetStream on host nats.
    const nats = onHost("nats", "nats", ["nats-server", "-a", ip.nats, "-p", "4222", "-js", "-sd", join(dir, "nats")]);
    await until("nats-server to be ready", async () => {
      if (nats.child.exitCode !== null) throw new Error(`nats-server exited: ${nats.stderr()}`);
      return nats.stderr().includes("Server is ready");
    }, 30_000);

    // The coordinator on host coord; it applies the migrations, then serves gRPC.
    const coord = automlOn("coordinator", "coord", ["coordinator"], {
      AUTOML_DATABASE_URL: databaseUrl(),
      AUTOML_NATS_URL: natsUrl(),
      AUTOML_GRPC_LISTEN: coordinatorAddr(),
      AUTOML_GRPC_TOKEN: GRPC_TOKEN,
      AUTOML_ACK_WAIT_MS: String(ACK_WAIT_MS),
    });
    await until("the coordinator to listen", async () => {
      if (coord.child.exitCode !== null) throw new Error(`coordinator exited: ${coord.stderr()}`);
      return coord.stderr().includes("coordinator listening");
    }, 90_000);
    // …and answers a real client across the switch, from host cli.
    await until("the coordinator to answer `automl study list` from host cli", async () => {
      const probe = automlOn("probe", "cli", ["study", "list"], { AUTOML_COORDINATOR_ADDR: coordinatorAddr(), AUTOML_GRPC_TOKEN: GRPC_TOKEN, AUTOML_LOG_LEVEL: "warn" });
      return (await probe.exited) === 0;
    }, 60_000, logs);

    const { createDb } = await import("@automl/db");
    db = createDb(`postgresql://postgres@localhost/automl?host=${pgSock}`, { maxConnections: 2 });
  }, 180_000);

  afterAll(async () => {
    // Client and workers first, then the coordinator, then the services they used.
    const order = [["run", "probe", "w1", "w2"], ["coordinator"], ["nats", "postgres"]];
    await db?.$disconnect().catch(() => {});
    for (const names of order) {
      await Promise.all(names.map((n) => procs.get(n)).filter((p) => p !== undefined).map((p) => stopProc(p!)));
    }
    // Kills anything still running inside the namespaces, then deletes them (veths and bridge go with them).
    if (netnsUp) netns("teardown", id);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("completes; a worker cut off mid-trial has its trial redelivered and recorded once", async () => {
    onTestFailed(() => console.error(`multihost ${id} (10.77.${octet}.0/24) process logs:\n${logs()}`));
    const t0 = Date.now();
    const workerEnv = { AUTOML_NATS_URL: natsUrl(), AUTOML_COORDINATOR_ADDR: coordinatorAddr(), AUTOML_GRPC_TOKEN: GRPC_TOKEN, AUTOML_ACK_WAIT_MS: String(ACK_WAIT_MS), ...SLOW_STUDY_ENV };
    const w1 = automlOn("w1", "w1", ["worker"], workerEnv);
    const w2 = automlOn("w2", "w2", ["worker"], workerEnv);
    /** w1's structured log (pino JSON lines on stderr). */
    const w1Events = () =>
      w1.stderr().split("\n").flatMap((line): Record<string, unknown>[] => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
    // A worker heartbeats the coordinator before it consumes: its row proves the path w → coord → db.
    const [w1Id, w2Id] = await until("both workers to register", async () => {
      const rows = await db!.worker.findMany({ where: { pid: { in: [w1.child.pid!, w2.child.pid!] } } });
      const a = rows.find((r) => r.pid === w1.child.pid)?.id;
      const b = rows.find((r) => r.pid === w2.child.pid)?.id;
      return a && b ? ([a, b] as const) : undefined;
    }, 60_000, logs);
    const tWorkers = Date.now();

    writeFileSync(join(dir, "study.yaml"), STUDY);
    const run = automlOn("run", "cli", ["run", join(dir, "study.yaml"), "--json", "--no-dashboard"], {
      AUTOML_DATABASE_URL: databaseUrl(),
      AUTOML_NATS_URL: natsUrl(),
      AUTOML_COORDINATOR_ADDR: coordinatorAddr(),
      AUTOML_GRPC_TOKEN: GRPC_TOKEN,
      AUTOML_LOG_LEVEL: "warn",
    });

    // Pull w1's cable once it is well into a trial (curve points recorded).
    const victim = await until("w1 to be mid-trial", async () => {
      if (run.child.exitCode !== null) throw new Error(`run exited early (${run.child.exitCode}): ${run.stderr()}`);
      return db!.trial.findFirst({ where: { status: "RUNNING", workerId: w1Id, epochs: { some: { epoch: { gte: 5 } } } }, select: { id: true } });
    }, 120_000, logs);
    netns("link", id, "w1", "down");
    const tCut = Date.now();

    // w2 takes the trial over once JetStream redelivers it (ack wait without w1's in-progress acks).
    await until("w2 to run the cut trial's redelivery", () =>
      db!.trial.findFirst({ where: { id: victim.id, workerId: w2Id, attempt: { gte: 2 } }, select: { id: true } }), 120_000, logs);
    const tTakeover = Date.now();
    // Plug w1 back in while w2 trains the trial: w1's stale attempt (reports delayed in TCP
    // buffers, then a CANCEL reply and a CANCELLED outcome) must not override w2's result.
    netns("link", id, "w1", "up");
    const tRestore = new Date();

    const code = await Promise.race([run.exited, sleep(180_000).then(() => "timeout" as const)]);
    expect(code, `automl run: ${run.stderr()}\n${logs()}`).toBe(0);
    const tDone = Date.now();
    const out = JSON.parse(run.stdout()) as { study: { id: string; status: string }; trials: { id: string; status: string }[] };
    expect(out.trials.map((t) => t.status)).toEqual(Array(TRIALS).fill("COMPLETED"));

    const study = await db!.study.findUniqueOrThrow({ where: { id: out.study.id } });
    expect(study.status).toBe("COMPLETED");
    const trials = await db!.trial.findMany({ where: { studyId: study.id }, include: { folds: true, _count: { select: { epochs: true } } }, orderBy: { number: "asc" } });
    expect(trials.map((t) => t.number)).toEqual([...Array(TRIALS).keys()]);
    for (const t of trials) {
      expect(t.status).toBe("COMPLETED");
      expect(t.folds.map((f) => f.fold).sort()).toEqual([...Array(FOLDS).keys()]);
      // One curve: the lost attempt's partial curve was replaced, not appended to.
      expect(t._count.epochs).toBe(FOLDS * EPOCHS);
    }
    const redone = trials.find((t) => t.id === victim.id)!;
    expect(redone.attempt).toBeGreaterThanOrEqual(2);
    // Recorded by a fresh attempt: w2's, or — if a loaded machine let w2's ack deadline pass after
    // w1 came back — a new attempt that w1 started after reconnecting; never w1's stale attempt 1.
    if (redone.workerId !== w2Id) expect([redone.workerId, redone.attempt >= 3]).toEqual([w1Id, true]);
    expect(redone.cvMean).toBeGreaterThan(0.8);
    const snapshot = async () => {
      const ts = await db!.trial.findMany({ where: { studyId: study.id }, orderBy: { number: "asc" }, select: { id: true, status: true, attempt: true, workerId: true, cvMean: true, finishedAt: true } });
      return { ts, folds: await db!.foldResult.count(), epochs: await db!.epochMetric.count(), trials: await db!.trial.count() };
    };
    await until("w1 to reach the coordinator again", () => db!.worker.findFirst({ where: { id: w1Id, lastSeenAt: { gt: tRestore } } }), 60_000, logs);
    // Its stale attempt ends once one of its delayed calls gets through (a call that timed out
    // on the dead link is retried): the coordinator must refuse whatever it reports.
    const stale = await until("w1 to settle its stale attempt", async () => w1Events().find((e) => e.trialId === victim.id && STALE_ENDS.has(String(e.msg)) && (e.attempt === undefined || e.attempt === 1)), 150_000, logs);
    const tSettled = Date.now();
    if (stale.msg === "trial reported") expect(stale.duplicate, "w1's stale outcome was refused").toBe(true);
    const before = await snapshot();
    expect(before.ts.find((t) => t.id === victim.id)).toMatchObject({ status: "COMPLETED", workerId: redone.workerId, attempt: redone.attempt });
    // Nothing may change from here on: a short window, since absence cannot be polled for.
    for (let i = 0; i < 6; i++) {
      expect(await snapshot()).toEqual(before);
      await sleep(500);
    }
    expect(w1.child.exitCode, "w1 survived the outage").toBeNull();

    console.info(
      `multihost ${id} 10.77.${octet}.0/24: workers registered ${((tWorkers - t0) / 1000).toFixed(1)} s; ` +
        `cut after ${((tCut - tWorkers) / 1000).toFixed(1)} s; w2 took over ${((tTakeover - tCut) / 1000).toFixed(1)} s after the cut; ` +
        `study done ${((tDone - tWorkers) / 1000).toFixed(1)} s after start; after the restore w1's stale attempt ended ` +
        `(${String(stale.msg)}${stale.msg === "trial reported" ? `, duplicate=${String(stale.duplicate)}` : ""}) within ${((tSettled - tRestore.getTime()) / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});
