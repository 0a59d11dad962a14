import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "@automl/db/client";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archOf, seedStudies, XOR_ORDER, XOR_TRIALS } from "./fixtures";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Polls until the server answers HTTP at all (any status), or fails with its output. */
async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(5_000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`next start did not answer on ${url} within ${timeoutMs} ms:\n${output()}`);
}

// Locally a missing Postgres skips; under CI postgresAvailable() throws instead.
describe.skipIf(!(await postgresAvailable()))("dashboard end to end (built app, Chromium)", () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let baseUrl = "";
  let log = "";

  beforeAll(async () => {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) {
      throw new Error("apps/dashboard/.next is missing: run `npm run build -w @automl/dashboard` first (the root `npm test` builds before testing)");
    }
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

    testDb = await createTestDatabase(TEST_ADMIN_URL);
    const db = createDb(testDb.url, { maxConnections: 1 });
    try {
      await seedStudies(db);
    } finally {
      await db.$disconnect();
    }

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
    // Own process group, so teardown can stop next and anything it forks.
    server = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
      cwd: appDir,
      env: { ...process.env, AUTOML_DATABASE_URL: testDb.url, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    server.stdout?.on("data", (b: Buffer) => (log += b.toString()));
    server.stderr?.on("data", (b: Buffer) => (log += b.toString()));
    await waitForHttp(baseUrl, server, () => log);

    // launch() gives Chromium a fresh temporary profile of its own.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((r) => server?.once("exit", r));
      process.kill(-server.pid, "SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    await testDb?.drop();
  });

  it("answers 404 for an unknown study", async () => {
    const res = await fetch(`${baseUrl}/studies/no-such-study`);
    expect(res.status).toBe(404);
  });

  it("lists studies and shows a study's ranked leaderboard", async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${baseUrl}/`);
    const studyRows = page.getByTestId("studies").locator("tbody tr");
    expect(await studyRows.count()).toBe(2);
    expect(await studyRows.nth(1).innerText()).toMatch(/xor-demo\s+RUNNING\s+binary\s+accuracy \(maximize\)\s+7 \/ 40\s+2 running\s+0\.9500/);

    mkdirSync(path.join(appDir, "test-results"), { recursive: true });
    await page.screenshot({ path: path.join(appDir, "test-results", "studies.png"), fullPage: true });

    await page.getByRole("link", { name: "xor-demo" }).click();
    await page.waitForURL(/\/studies\/study-xor$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("xor-demo");
    expect(await page.getByRole("definition").allInnerTexts()).toEqual(["1", "2", "4", "1", "1", "1", "0"]);

    const rows = page.getByTestId("leaderboard").getByTestId("leaderboard-row");
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (c) => (c.textContent ?? "").trim())),
    );
    const expected = XOR_ORDER.map((n, i) => {
      const t = XOR_TRIALS.find((x) => x.number === n)!;
      const a = archOf(n);
      return [
        String(i + 1), `#${n}`, t.cvMean!.toFixed(4), t.cvStd!.toFixed(4), String(a.depth), a.widths.join(" × "),
        a.activation, a.learningRate.toPrecision(3), String(a.batchSize), a.paramCount.toLocaleString("en-US"),
      ];
    });
    expect(cells).toEqual(expected);
    // Spot-check the formatting against literal text too, not only against the same helpers.
    expect(cells[0]).toEqual(["1", "#1", "0.9500", "0.0213", "2", "16 × 8", "tanh", "0.0247", "64", "2,234"]);

    await page.screenshot({ path: path.join(appDir, "test-results", "leaderboard.png"), fullPage: true });
    await page.close();
  });
});
