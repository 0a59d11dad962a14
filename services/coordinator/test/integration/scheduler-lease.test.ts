import { createConnection, createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@automl/common";
import { createDb, type Db } from "@automl/db";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { SchedulerLease } from "../../src/scheduler-lease";
import { Store } from "../../src/store";
import { parseStudyFile } from "../../src/study-file";
import { until } from "../../src/testing";

const available = await postgresAvailable();
const TTL = 1_500;

const STUDY = parseStudyFile(`
name: lease
dataset: { builtin: xor, n: 40 }
task: binary
space: { depth: 1, width: 4, activation: relu, learningRate: 0.1, batchSize: 8, epochs: 1 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 10, parallel: 2 }
seed: 1
`);
/** A TCP relay to Postgres that the test can cut: the link of one coordinator to the database dies. */
async function cuttableLink(target: URL): Promise<{ url: string; cut(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const via = new URL(target);
  via.hostname = "127.0.0.1";
  via.port = String((server.address() as { port: number }).port);
  return {
    url: via.toString(),
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

const PARAMS = { depth: 1, widths: [4], activations: ["relu"], output: "", learningRate: 0.1, batchSize: 8, epochs: 1 } as never;

/**
 * The scheduler lease on the real Postgres, each coordinator with its own connection pool as in
 * production: one leader at a time, a standby takes over once the leader stops renewing (its
 * database connection gone), and the old leader's token fences every scheduling write.
 */
describe.skipIf(!available)("scheduler lease", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const dbs: Db[] = [];
  const leases: SchedulerLease[] = [];
  const connect = (url = database.url) => {
    const db = createDb(url, { maxConnections: 2 });
    dbs.push(db);
    return db;
  };
  const lease = (db: Db, holder: string, ttlMs = TTL) => {
    const l = new SchedulerLease(db, silentLogger(), { ttlMs, everyMs: 100, holder });
    leases.push(l);
    return l;
  };

  beforeAll(async () => {
    database = await createTestDatabase(TEST_ADMIN_URL);
  });
  afterAll(async () => {
    for (const l of leases) await l.stop().catch(() => {});
    for (const db of dbs) await db.$disconnect().catch(() => {});
    await database?.drop();
  });

  it("one leader; the standby takes over when the leader's connection dies; the old token writes nothing", async () => {
    const link = await cuttableLink(new URL(database.url));
    const dbA = connect(link.url);
    const dbB = connect();
    const a = lease(dbA, "a");
    const b = lease(dbB, "b");
    await a.start();
    await b.start();
    expect(a.role()).toBe("leader");
    expect(b.role()).toBe("standby");
    expect(a.healthy() && b.healthy()).toBe(true);
    const oldToken = a.fence()!;

    // Several rounds later, still one leader with the same token.
    await new Promise((r) => setTimeout(r, 500));
    expect([a.role(), b.role()]).toEqual(["leader", "standby"]);
    expect(a.fence()).toBe(oldToken);

    const store = new Store(dbB);
    const study = await store.createStudy(STUDY);
    const made = await store.createTrials(study, [{ number: 0, params: PARAMS }], oldToken);
    expect(made.map((t) => t.number)).toEqual([0]);

    // The leader's database goes away: it can neither renew nor release.
    const roles: string[] = [];
    a.onChange((r) => roles.push(r));
    link.cut();
    await until(async () => b.role() === "leader", "the standby to take over", 10_000, 50);
    expect(a.role()).toBe("standby");
    expect(a.healthy()).toBe(false);
    expect(roles).toEqual(["standby"]);
    const newToken = b.fence()!;
    expect(newToken).toBeGreaterThan(oldToken);

    // Writes under the old token are refused by Postgres, whatever the old leader believes.
    expect(await store.createTrials(study, [{ number: 1, params: PARAMS }], oldToken)).toEqual([]);
    expect(await store.finishStudy(study.id, oldToken)).toBe(false);
    expect(await b.confirm(oldToken)).toBe(false);
    expect(await b.confirm(newToken)).toBe(true);
    expect((await store.createTrials(study, [{ number: 1, params: PARAMS }], newToken)).map((t) => t.number)).toEqual([1]);
    expect(await dbB.trial.count({ where: { studyId: study.id } })).toBe(2);
  });

  it("a stopping leader releases the lease: the standby takes over before it would have expired", async () => {
    for (const l of leases.splice(0)) await l.stop();
    // Leases of ten minutes: if d leads within the test's time, c handed over; expiry did not.
    const c = lease(connect(), "c", 600_000);
    const d = lease(connect(), "d", 600_000);
    await c.start();
    await d.start();
    expect([c.role(), d.role()]).toEqual(["leader", "standby"]);
    await c.stop();
    expect(c.role()).toBe("standby");
    await until(async () => d.role() === "leader" || null, "d to take over", 30_000, 50);
    const row = await dbs[dbs.length - 1]!.schedulerLease.findUniqueOrThrow({ where: { name: "scheduler" } });
    expect(row.holder).toBe("d");
  });
});
