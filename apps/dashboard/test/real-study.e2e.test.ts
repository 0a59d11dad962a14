import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestStack } from "@automl/coordinator/testing";
import { postgresAvailable } from "@automl/db/testing";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, finishedStudy, startBuiltDashboard } from "./support";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const STUDY = `
name: real-xor
dataset: { builtin: xor, n: 200, noise: 0.2 }
task: binary
space:
  depth: { int: [1, 2] }
  width: { int: [4, 16] }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.1, 0.5], log: true }
  batchSize: 16
  epochs: 15
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 4, parallel: 2 }
seed: 5
`;

/**
 * The dashboard over a database filled by a real study: the coordinator and a worker (in
 * process, real training) record it, then Chromium reads the built app.
 */
describe.skipIf(!(await postgresAvailable()))("dashboard on a real study", () => {
  let stack: TestStack | undefined;
  let dashboard: Awaited<ReturnType<typeof startBuiltDashboard>> | undefined;
  let browser: Browser | undefined;
  let baseUrl = "";
  let studyId = "";

  beforeAll(async () => {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) throw new Error("apps/dashboard/.next is missing: run `npm run build` first");
    ({ stack, studyId } = await finishedStudy(STUDY, 90_000));

    // No tokens: the open, loopback-only mode of the embedded stack.
    dashboard = await startBuiltDashboard({ AUTOML_DATABASE_URL: stack.databaseUrl, AUTOML_COORDINATOR_ADDR: stack.coordinator.address });
    baseUrl = dashboard.url;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.dispose();
  });

  it("ranks the study's trials as recorded and draws a trial's curves, diagnostics and decision surface", async () => {
    const trials = await stack!.db.trial.findMany({ where: { studyId }, orderBy: [{ cvMean: "desc" }, { number: "asc" }] });
    expect(trials.every((t) => t.status === "COMPLETED")).toBe(true);

    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl}/`);
    await page.getByRole("link", { name: "real-xor" }).click();
    await page.waitForURL(new RegExp(`/studies/${studyId}`));
    const rows = page.getByTestId("leaderboard").getByTestId("leaderboard-row");
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (c) => (c.textContent ?? "").trim())));
    expect(cells.map((c) => [c[1], c[2]])).toEqual(trials.map((t) => [`#${t.number}`, t.cvMean!.toFixed(4)]));

    // The best trial's page: its curves, diagnostics and the decision surface of a 2-D dataset.
    await page.getByRole("link", { name: `Trial ${trials[0]!.number} details` }).click();
    await page.waitForURL(new RegExp(`/trials/${trials[0]!.number}$`));
    for (const id of ["chart-loss", "chart-metric", "chart-grad", "chart-surface", "chart-regions"]) {
      expect(await page.getByTestId(id).locator("svg").count(), id).toBeGreaterThan(0);
    }
    const regions = (trials[0]!.surface as { regions: number }).regions;
    expect(await page.getByTestId("regions").innerText()).toContain(String(regions));
    expect(await page.getByTestId("folds").locator("tbody tr").count()).toBe(3);
    mkdirSync(path.join(appDir, "test-results"), { recursive: true });
    await page.screenshot({ path: path.join(appDir, "test-results", "real-trial.png"), fullPage: true });
    await page.close();
  });
});
