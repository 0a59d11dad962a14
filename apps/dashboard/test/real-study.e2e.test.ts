import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestStack } from "@automl/coordinator/testing";
import { postgresAvailable } from "@automl/db/testing";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, finishedStudy, startBuiltDashboard } from "./support";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Registers, in the calling describe, a study run to its end by the coordinator and a worker (in
 * process, real training), the built dashboard over its database (no tokens: the open,
 * loopback-only mode of the embedded stack) and Chromium. The getters are valid inside tests.
 */
function dashboardOnFinishedStudy(studyText: string, studyTimeoutMs: number, hookTimeoutMs: number) {
  let stack: TestStack | undefined;
  let dashboard: Awaited<ReturnType<typeof startBuiltDashboard>> | undefined;
  let browser: Browser | undefined;
  let studyId = "";
  beforeAll(async () => {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) throw new Error("apps/dashboard/.next is missing: run `npm run build` first");
    ({ stack, studyId } = await finishedStudy(studyText, studyTimeoutMs));
    dashboard = await startBuiltDashboard({ AUTOML_DATABASE_URL: stack.databaseUrl, AUTOML_COORDINATOR_ADDR: stack.coordinator.address });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  }, hookTimeoutMs);
  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.dispose();
  });
  return { stack: () => stack!, studyId: () => studyId, baseUrl: () => dashboard!.url, browser: () => browser! };
}

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
  const { stack, studyId, baseUrl, browser } = dashboardOnFinishedStudy(STUDY, 90_000, 180_000);

  it("ranks the study's trials as recorded and draws a trial's curves, diagnostics and decision surface", async () => {
    const trials = await stack().db.trial.findMany({ where: { studyId: studyId() }, orderBy: [{ cvMean: "desc" }, { number: "asc" }] });
    expect(trials.every((t) => t.status === "COMPLETED")).toBe(true);

    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl()}/`);
    await page.getByRole("link", { name: "real-xor" }).click();
    await page.waitForURL(new RegExp(`/studies/${studyId()}`));
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

const MO_STUDY = `
name: real-mo
dataset: { builtin: xor, n: 200, noise: 0.4 }
task: binary
space:
  depth: { int: [1, 2] }
  width: { int: [2, 32] }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.01, 0.3], log: true }
  batchSize: 16
  epochs: 9
cv: { folds: 3 }
objectives:
  - { metric: accuracy, direction: maximize }
  - { metric: params, direction: minimize }
pruner: { asha: { minEpochs: 1, reductionFactor: 2 } }
budget: { trials: 10, parallel: 2 }
seed: 11
`;

/**
 * A real multi-objective study under ASHA: what the coordinator records (Trial.values, rungs,
 * PRUNED trials) is what the leaderboard, the trial page and the Pareto plot show. The expected
 * front is recomputed here by brute-force dominance over the recorded vectors.
 */
describe.skipIf(!(await postgresAvailable()))("dashboard on a real multi-objective ASHA study", () => {
  const { stack, studyId, baseUrl, browser } = dashboardOnFinishedStudy(MO_STUDY, 120_000, 240_000);

  it("marks exactly the recorded non-dominated trials and shows every trial's rung", async () => {
    const trials = await stack().db.trial.findMany({ where: { studyId: studyId() }, orderBy: { number: "asc" } });
    const done = trials.filter((t) => t.status === "COMPLETED");
    // Which trials ASHA stops depends on the order the two slots report in, so every expectation
    // below is derived from the recorded rows; η 2 over 10 trials prunes some (a run seen here:
    // one COMPLETED at rung 3, PRUNED at rungs 0 and 1).
    expect(done.length).toBeGreaterThan(0);
    expect(trials.some((t) => t.status === "PRUNED")).toBe(true);
    // The coordinator's contract: values = [accuracy (the CV mean), params] in the file's order.
    for (const t of done) expect(t.values).toEqual([t.cvMean, t.paramCount]);
    const front = done.filter((a) => !done.some((b) => b.cvMean! >= a.cvMean! && b.paramCount <= a.paramCount && (b.cvMean! > a.cvMean! || b.paramCount < a.paramCount))).map((t) => t.number);
    // ASHA (η 2, min epochs 1) records a rung once a trial reaches epoch 1: every trial here did.
    expect(trials.every((t) => t.rung !== null)).toBe(true);

    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl()}/studies/${studyId()}?status=ANY&sort=number`);
    expect(await page.getByTestId("pruner").innerText()).toBe("ASHA (min epochs 1, η 2)");
    const cells = await page.getByTestId("leaderboard-row").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (c) => (c.textContent ?? "").trim())));
    // Trial, accuracy, params, Pareto marker, rung (epoch 2^rung).
    expect(cells.map((c) => c.slice(1, 6))).toEqual(trials.map((t) => [
      `#${t.number}`,
      t.status === "COMPLETED" ? t.cvMean!.toFixed(4) : "—",
      t.status === "COMPLETED" ? t.paramCount.toLocaleString("en-US") : "—",
      front.includes(t.number) ? "front" : "",
      `${t.rung} (epoch ${2 ** t.rung!})`,
    ]));

    await page.goto(`${baseUrl()}/studies/${studyId()}?pareto=1&sort=number`);
    expect(await page.getByTestId("leaderboard-row").evaluateAll((trs) => trs.map((tr) => tr.querySelector("td a")?.textContent))).toEqual(front.map((n) => `#${n}`));
    await page.goto(`${baseUrl()}/studies/${studyId()}/plots`);
    const titles = await page.getByTestId("chart-pareto").locator('g[data-series="on the front"] circle title').allTextContents();
    expect(titles.map((s) => Number(s.slice(1))).sort((a, b) => a - b)).toEqual(front);
    mkdirSync(path.join(appDir, "test-results"), { recursive: true });
    await page.screenshot({ path: path.join(appDir, "test-results", "real-pareto.png"), fullPage: true });
    await page.close();
  });
});
