// Leaderboard at 100k trials: seeds one study with 100,000 trials (5 folds each) into a fresh
// database on the local Postgres, then times the dashboard's queries directly and over HTTP
// against `next start` (the built app), and prints JSON with p50/p95 in ms. Drops the database.
//   npx tsx bench/dashboard/leaderboard.ts      (build the dashboard first for the HTTP part)
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "@automl/db/client";
import { createTestDatabase, TEST_ADMIN_URL } from "@automl/db/testing";
import pg from "pg";
import { parseLeaderboardQuery } from "../../apps/dashboard/lib/leaderboard-query";
import { getLeaderboard, getStudyHead, getStudyPlots } from "../../apps/dashboard/lib/queries";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 100_000);
const RUNS = 30;
const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../apps/dashboard");

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(1));
}

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 3; i++) await fn(); // warm: plans, pool, JIT
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return { p50: pct(ms, 50), p95: pct(ms, 95) };
}

const testDb = await createTestDatabase(TEST_ADMIN_URL);
const studyId = "bench-study";
const result: Record<string, unknown> = { trials: TRIALS, folds: 5, runs: RUNS };
try {
  const client = new pg.Client({ connectionString: testDb.url });
  client.on("error", () => {}); // the drop at the end may cut a connection left open by a failure
  await client.connect();
  const t0 = performance.now();
  // Set-based inserts: Postgres generates the rows itself, far faster than client round trips.
  await client.query(
    `INSERT INTO "Study" (id, name, spec, task, metric, direction, status, "budgetTrials", parallel, seed)
     VALUES ($1, 'bench-100k', '{"cv":{"folds":5}}', 'binary', 'accuracy', 'maximize', 'COMPLETED', $2, 8, 1)`,
    [studyId, TRIALS],
  );
  await client.query(
    `INSERT INTO "Trial" (id, "studyId", number, status, params, depth, widths, activation, "learningRate", "batchSize", "paramCount", "cvMean", "cvStd")
     SELECT 't' || n, $1, n,
            (CASE WHEN n % 20 = 0 THEN 'PRUNED' WHEN n % 50 = 1 THEN 'FAILED' ELSE 'COMPLETED' END)::"TrialStatus",
            '{}', 1 + n % 3, ARRAY[16, 8], (ARRAY['relu','tanh','leaky_relu','abs','maxout','sigmoid','prelu'])[1 + n % 7],
            0.001 * (1 + n % 997), (ARRAY[8,16,32,64])[1 + n % 4], 100 + (n::bigint * 7919) % 50000,
            CASE WHEN n % 20 = 0 OR n % 50 = 1 THEN NULL ELSE 0.5 + 0.5 * ((n::bigint * 104729) % 100000) / 100000.0 END,
            CASE WHEN n % 20 = 0 OR n % 50 = 1 THEN NULL ELSE 0.01 + ((n * 31) % 100) / 2000.0 END
     FROM generate_series(0, $2 - 1) AS n`,
    [studyId, TRIALS],
  );
  await client.query(
    `INSERT INTO "FoldResult" ("trialId", fold, score, loss, epochs)
     SELECT t.id, f, t."cvMean" + ((t.number * 13 + f * 7) % 11 - 5) / 1000.0, 0.3, 20
     FROM "Trial" t CROSS JOIN generate_series(0, 4) AS f WHERE t."studyId" = $1 AND t.status = 'COMPLETED'`,
    [studyId],
  );
  await client.query("ANALYZE");
  result.seedSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  await client.end();

  const db = createDb(testDb.url, { maxConnections: 4 });
  const cases: Record<string, Record<string, string>> = {
    firstPage: {},
    sortedFiltered: { sort: "paramCount", dir: "desc", activation: "relu", depth: "2" },
    sortedByStdPage100: { sort: "cvStd", page: "100" },
    anyStatusByLr: { status: "ANY", sort: "learningRate", dir: "desc" },
  };
  const direct: Record<string, unknown> = {};
  for (const [name, params] of Object.entries(cases)) {
    const q = parseLeaderboardQuery(params);
    direct[name] = await time(() => getLeaderboard(db, studyId, q));
  }
  const head = (await getStudyHead(db, studyId))!;
  direct.plots = await time(() => getStudyPlots(db, head));
  result.queryMs = direct;
  await db.$disconnect();

  if (existsSync(path.join(appDir, ".next", "BUILD_ID"))) {
    const port = 3900 + Math.floor(Math.random() * 90);
    const nextBin = createRequire(path.join(appDir, "package.json")).resolve("next/dist/bin/next");
    const child = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: appDir,
      env: { ...process.env, AUTOML_DATABASE_URL: testDb.url, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
      stdio: "ignore",
      detached: true,
    });
    try {
      const base = `http://127.0.0.1:${port}/studies/${studyId}`;
      for (let i = 0; ; i++) {
        try { await fetch(base); break; } catch { if (i > 200) throw new Error("next start did not answer"); await new Promise((r) => setTimeout(r, 250)); }
      }
      const get = (url: string) => async () => {
        const res = await fetch(url);
        if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
        await res.text();
      };
      result.httpMs = {
        firstPage: await time(get(base)),
        sortedFiltered: await time(get(`${base}?sort=paramCount&dir=desc&activation=relu&depth=2`)),
        plots: await time(get(`${base}/plots`)),
      };
    } finally {
      process.kill(-child.pid!, "SIGTERM");
    }
  } else {
    result.httpMs = "skipped: apps/dashboard is not built (npm run build -w @automl/dashboard)";
  }
} catch (err) {
  result.error = (err as Error).stack ?? String(err);
  process.exitCode = 1;
} finally {
  await testDb.drop();
}
console.log(JSON.stringify(result, null, 2));
