import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestStack } from "@automl/coordinator/testing";
import { postgresAvailable } from "@automl/db/testing";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, finishedStudy, startBuiltDashboard } from "./support";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const automlBin = path.resolve(appDir, "..", "cli", "bin", "automl.mjs");

const STUDY = `
name: ablation-e2e
dataset: { builtin: moons, n: 150, noise: 0.2 }
task: binary
space:
  depth: { int: [1, 2] }
  width: { int: [4, 12] }
  activation: { choice: [relu, tanh] }
  learningRate: 0.3
  batchSize: 16
  epochs: 6
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 4, parallel: 2 }
seed: 8
`;

/** Runs the real `automl ablate` command against the test database and coordinator. */
function runAblate(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [automlBin, "ablate", ...args], { env: { ...process.env, AUTOML_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The ablation view over rows that `automl ablate` really stored: a study and its ablation run
 * on an in-process coordinator and worker (real training), then Chromium reads the built app.
 */
describe.skipIf(!(await postgresAvailable()))("dashboard ablation and importance views", () => {
  let stack: TestStack | undefined;
  let dashboard: Awaited<ReturnType<typeof startBuiltDashboard>> | undefined;
  let browser: Browser | undefined;
  let studyId = "";

  beforeAll(async () => {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) throw new Error("apps/dashboard/.next is missing: run `npm run build` first");
    ({ stack, studyId } = await finishedStudy(STUDY, 120_000));
    const ablate = await runAblate([studyId, "--json"], { AUTOML_DATABASE_URL: stack.databaseUrl, AUTOML_COORDINATOR_ADDR: stack.coordinator.address });
    if (ablate.code !== 0) throw new Error(`automl ablate exited ${ablate.code}: ${ablate.stderr}`);

    dashboard = await startBuiltDashboard({ AUTOML_DATABASE_URL: stack.databaseUrl, AUTOML_COORDINATOR_ADDR: stack.coordinator.address });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await stack?.dispose();
  });

  it("shows every stored ablation row with its numbers, CI bar and significance, and the importance bars", async () => {
    const ablation = await stack!.db.ablation.findFirstOrThrow({ where: { baseStudyId: studyId }, include: { rows: { orderBy: { position: "asc" } } } });
    expect(ablation.rows.length).toBeGreaterThanOrEqual(5);

    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dashboard!.url}/studies/${studyId}`);
    await page.getByRole("link", { name: "Ablation" }).click();
    await page.waitForURL(new RegExp(`/studies/${studyId}/ablation$`));
    const rows = page.getByTestId("ablation-table").getByTestId("ablation-row");
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (c) => (c.textContent ?? "").trim())));
    const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
    expect(cells).toHaveLength(ablation.rows.length);
    ablation.rows.forEach((r, i) => {
      const c = cells[i]!;
      expect([c[0], c[1]]).toEqual([r.factor, r.variant]);
      if (r.skipReason) {
        expect(c[2]).toBe(`skipped: ${r.skipReason}`);
        return;
      }
      expect(c[2]).toBe(r.meanScore!.toFixed(4));
      expect(c[3]).toBe(signed(r.meanDiff!));
      expect(c[4]).toBe(`${signed(r.ciLow!)} – ${signed(r.ciHigh!)}`);
      expect(c[9]).toBe(r.significant ? "✱ yes" : "no");
    });
    // One CI bar per tested row.
    expect(await rows.locator("svg.ci-bar").count()).toBe(ablation.rows.filter((r) => r.ciLow !== null).length);
    mkdirSync(path.join(appDir, "test-results"), { recursive: true });
    await page.screenshot({ path: path.join(appDir, "test-results", "ablation.png"), fullPage: true });

    // The study page lists the stored parameter importance, highest first.
    const stored = await stack!.db.paramImportance.findMany({ where: { studyId }, orderBy: [{ importance: "desc" }, { param: "asc" }] });
    await page.goto(`${dashboard!.url}/studies/${studyId}`);
    const bars = await page.getByTestId("importance-row").evaluateAll((lis) => lis.map((li) => (li.querySelector(".bar-label")?.textContent ?? "").trim()));
    expect(bars).toEqual(stored.map((s) => s.param));
    // The plots page shows the same importance, never a note that it is missing.
    await page.goto(`${dashboard!.url}/studies/${studyId}/plots`);
    const plotBars = await page.getByTestId("importance-row").evaluateAll((lis) => lis.map((li) => (li.querySelector(".bar-label")?.textContent ?? "").trim()));
    expect(plotBars).toEqual(stored.map((s) => s.param));
    expect(await page.locator("body").innerText()).not.toMatch(/appear once/);
    await page.close();
  });
});
