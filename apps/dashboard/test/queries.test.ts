import { createDb, type Db } from "@automl/db/client";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLeaderboard, listStudies } from "../lib/queries";
import { seedStudies, XOR_ORDER } from "./fixtures";

describe.skipIf(!(await postgresAvailable()))("dashboard queries (real Postgres)", () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let ids: { xor: string; regress: string };

  beforeAll(async () => {
    testDb = await createTestDatabase(TEST_ADMIN_URL);
    db = createDb(testDb.url, { maxConnections: 2 });
    ids = await seedStudies(db);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await testDb?.drop();
  });

  it("ranks COMPLETED trials by cvMean descending for a maximize study, ties by trial number", async () => {
    const board = await getLeaderboard(db, ids.xor);
    expect(board?.rows.map((r) => r.number)).toEqual(XOR_ORDER);
    expect(board?.rows.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(board?.rows.map((r) => r.cvMean)).toEqual([0.95, 0.95, 0.8125, 0.6]);
    expect(board?.rows[0]).toMatchObject({ cvStd: 0.0213, depth: 2, widths: [16, 8], activation: "tanh", batchSize: 64, paramCount: 2234 });
  });

  it("ranks ascending for a minimize study", async () => {
    const board = await getLeaderboard(db, ids.regress);
    expect(board?.rows.map((r) => [r.number, r.cvMean])).toEqual([[1, 0.25], [0, 0.5], [2, 0.75]]);
  });

  it("counts trials per status, zero for absent statuses", async () => {
    const board = await getLeaderboard(db, ids.xor);
    expect(board?.counts).toEqual({ QUEUED: 1, RUNNING: 2, COMPLETED: 4, PRUNED: 1, FAILED: 1, DIVERGED: 1, CANCELLED: 0 });
    expect(board?.study).toMatchObject({ name: "xor-demo", metric: "accuracy", direction: "maximize", status: "RUNNING" });
  });

  it("returns null for an unknown study", async () => {
    expect(await getLeaderboard(db, "no-such-study")).toBeNull();
  });

  it("lists studies newest first with progress and the best score in each direction", async () => {
    const studies = await listStudies(db);
    expect(studies.map((s) => s.name)).toEqual(["regress-demo", "xor-demo"]);
    expect(studies[0]).toMatchObject({ finished: 3, running: 0, budgetTrials: 3, best: 0.25, status: "COMPLETED" });
    // 4 COMPLETED + PRUNED + FAILED + DIVERGED are finished; QUEUED and RUNNING are not.
    expect(studies[1]).toMatchObject({ finished: 7, running: 2, budgetTrials: 40, best: 0.95, task: "binary" });
  });
});
