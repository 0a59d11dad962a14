import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createDb } from "@automl/db/client";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { silentLogger } from "@automl/common";
import { startCoordinator, type RunningCoordinator } from "@automl/coordinator";
import { MemoryQueue } from "@automl/messaging";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archOf, seedStudies, XOR_ORDER, XOR_TRIALS } from "./fixtures";
import { CHROMIUM_ARGS, startBuiltDashboard } from "./support";
import { MO_FRONT, seedMultiObjectiveStudy } from "./multi-objective-fixture";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const ADMIN_TOKEN = "e2e-admin-token-0123456789";
const VIEWER_TOKEN = "e2e-viewer-token-0123456789";
const shot = (name: string) => path.join(appDir, "test-results", `${name}.png`);

/** Presses Tab until the focused element's accessible name matches, like a keyboard user. */
async function tabTo(page: Page, name: RegExp, maxTabs = 80): Promise<void> {
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press("Tab");
    const label = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? el.getAttribute("aria-label") ?? el.innerText ?? "" : "";
    });
    if (name.test(label)) return;
  }
  throw new Error(`no element named ${name} within ${maxTabs} Tab presses`);
}

// Locally a missing Postgres skips; under CI postgresAvailable() throws instead.
describe.skipIf(!(await postgresAvailable()))("dashboard end to end (built app, Chromium)", () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let dashboard: Awaited<ReturnType<typeof startBuiltDashboard>> | undefined;
  let browser: Browser | undefined;
  let coordinator: RunningCoordinator | undefined;
  let coordinatorDb: ReturnType<typeof createDb> | undefined;
  let queue: MemoryQueue | undefined;
  let baseUrl = "";

  beforeAll(async () => {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) {
      throw new Error("apps/dashboard/.next is missing: run `npm run build -w @automl/dashboard` first (the root `npm test` builds before testing)");
    }
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

    testDb = await createTestDatabase(TEST_ADMIN_URL);
    const db = createDb(testDb.url, { maxConnections: 1 });
    try {
      await seedStudies(db);
      await seedMultiObjectiveStudy(db);
    } finally {
      await db.$disconnect();
    }

    // A real coordinator over the same database, so create/cancel go through gRPC; its queue is
    // in memory and no worker consumes it, so created studies stay RUNNING with QUEUED trials.
    coordinatorDb = createDb(testDb.url, { maxConnections: 2 });
    queue = new MemoryQueue(silentLogger());
    coordinator = await startCoordinator({ db: coordinatorDb, queue, log: silentLogger(), listen: "127.0.0.1:0" });
    // Only the gRPC API is under test. The scheduler would dispatch (and add trials to) the
    // seeded RUNNING study, whose rows are hand-made, changing what the pages must show.
    await coordinator.scheduler.stop();
    coordinator.scheduler.wake = () => {};

    dashboard = await startBuiltDashboard({
      AUTOML_DATABASE_URL: testDb.url,
      AUTOML_COORDINATOR_ADDR: coordinator.address,
      AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
      AUTOML_DASHBOARD_VIEWER_TOKEN: VIEWER_TOKEN,
    });
    baseUrl = dashboard.url;

    // launch() gives Chromium a fresh temporary profile of its own.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await coordinator?.stop();
    await queue?.close();
    await coordinatorDb?.$disconnect();
    await testDb?.drop();
  });

  /** A fresh browser context logged in through the /login form. */
  async function loggedIn(token: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel("Access token").fill(token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${baseUrl}/`);
    return { context, page };
  }

  it("sends anonymous visitors to /login, refuses a wrong token, answers 404 for an unknown study", async () => {
    const anon = await fetch(`${baseUrl}/studies/study-xor`, { redirect: "manual" });
    expect(anon.status).toBe(307);
    expect(anon.headers.get("location")).toMatch(/\/login\?next=%2Fstudies%2Fstudy-xor$/);
    const { context, page } = await loggedIn(ADMIN_TOKEN);
    const cookie = (await context.cookies()).find((c) => c.name === "automl_session")!;
    expect(cookie.httpOnly).toBe(true);
    const res = await fetch(`${baseUrl}/studies/no-such-study`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(res.status).toBe(404);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel("Access token").fill("not-a-valid-token-at-all");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.locator(".error-box[role=alert]").innerText()).toBe("That token is not valid.");
    await context.close();
  });

  it("lists studies and shows a study's ranked leaderboard", async () => {
    const { context, page } = await loggedIn(ADMIN_TOKEN);
    const studyRows = page.getByTestId("studies").locator("tbody tr");
    // Newest first: regress-demo, xor-demo, then the multi-objective mo-demo (oldest).
    expect(await studyRows.count()).toBe(3);
    expect(await studyRows.nth(1).innerText()).toMatch(/xor-demo\s+RUNNING\s+binary\s+accuracy \(maximize\)\s+7 \/ 40\s+2 running\s+0\.9500/);

    mkdirSync(path.join(appDir, "test-results"), { recursive: true });
    await page.screenshot({ path: shot("studies"), fullPage: true });

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
    // Without the interval and significance columns (checked literally below).
    expect(cells.map((c) => [...c.slice(0, 4), ...c.slice(6)])).toEqual(expected);
    // Spot-check the formatting against literal text too, not only against the same helpers.
    // #1's folds 0.95 + [0.02, −0.01, 0, −0.02, 0.01]: mean ± t(0.975, 4)·√(1/5 + 1/4)·s, the
    // Nadeau–Bengio corrected interval; scipy.stats.t.ppf gives 0.92055 – 0.97945.
    expect(cells[0]).toEqual(["1", "#1", "0.9500", "0.0213", "0.9206 – 0.9794", "best", "2", "16 × 8", "tanh", "0.0247", "64", "2,234"]);
    // #0: d = −0.1375 + [0.03, −0.04, 0.02, 0, −0.01], s² = 0.00075, t = −0.1375/√(0.45·s²) = −7.48, p ≈ 0.0017.
    // Holm-adjusted corrected t-tests against #1 (scipy: raw p #5 1.0, #0 0.00170, #3 0.00147;
    // Holm: #3 3·0.00147 = 0.0044, #0 max(2·0.00170, 0.0044) = 0.0044, #5 1.0).
    expect(cells.map((c) => c[5])).toEqual(["best", "≈ best (padj 1.000)", "worse (padj 0.004)", "worse (padj 0.004)"]);

    await page.screenshot({ path: shot("leaderboard"), fullPage: true });
    await context.close();
  });

  it("sorts and filters the leaderboard by keyboard and labelled controls, in the URL", async () => {
    const { context, page } = await loggedIn(ADMIN_TOKEN);
    await page.goto(`${baseUrl}/studies/study-xor`);
    const numbers = () => page.getByTestId("leaderboard-row").evaluateAll((trs) => trs.map((tr) => tr.querySelector("td a")?.textContent));
    // Keyboard: Tab to the "Parameters" column's sort link, Enter activates it.
    await tabTo(page, /^Sort by Parameters/);
    await page.keyboard.press("Enter");
    await page.waitForURL(/sort=paramCount/);
    expect(await numbers()).toEqual(["#0", "#1", "#3", "#5"]);
    expect(await page.locator('th[aria-sort="ascending"]').innerText()).toMatch(/Parameters/i);
    // Enter on the active one flips it.
    await page.getByRole("link", { name: /^Sort by Parameters, now ascending/ }).press("Enter");
    await page.waitForURL(/dir=desc/);
    expect(await numbers()).toEqual(["#5", "#3", "#1", "#0"]);

    // The filter form: every control has a label.
    for (const label of ["Status", "Activation", "Depth", "Sort by", "Order"]) await expect.poll(() => page.getByLabel(label, { exact: true }).count()).toBe(1);
    await page.getByLabel("Activation", { exact: true }).selectOption("tanh");
    await page.getByLabel("Sort by", { exact: true }).selectOption("cvMean");
    await page.getByLabel("Order", { exact: true }).selectOption("");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/activation=tanh/);
    expect(await numbers()).toEqual(["#1", "#5", "#3"]);
    await page.getByLabel("Status", { exact: true }).selectOption("ANY");
    await page.getByLabel("Depth", { exact: true }).selectOption("2");
    await page.getByRole("button", { name: "Apply" }).press("Enter");
    await page.waitForURL(/status=ANY/);
    expect(await numbers()).toEqual(["#1", "#7"]);
    expect(await page.getByTestId("page-info").innerText()).toBe("1–2 of 2");
    await page.screenshot({ path: shot("leaderboard-filtered"), fullPage: true });
    await context.close();
  });

  it("opens a trial from the leaderboard and shows its plots, and the study's plots", async () => {
    const { context, page } = await loggedIn(ADMIN_TOKEN);
    await page.goto(`${baseUrl}/studies/study-xor`);
    await tabTo(page, /^Trial 1 details$/);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/studies\/study-xor\/trials\/1$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Trial #1");
    expect(await page.getByTestId("folds").locator("tbody tr").count()).toBe(5);
    expect(await page.locator(".meta").innerText()).toMatch(/Backend: ts.*Worker: worker-1/s);
    // Parameters for people: 3 significant digits (stored 0.0246912), layers joined; nothing empty.
    const shown = await page.getByTestId("params").locator(".param").evaluateAll((ds) => ds.map((d) => [d.querySelector("dt")?.textContent, d.querySelector("dd")?.textContent]));
    // (In Postgres' jsonb key order; compared as a set of pairs.)
    expect(shown.sort()).toEqual([["activation", "tanh"], ["batchSize", "64"], ["depth", "2"], ["learningRate", "0.0247"], ["paramCount", "2234"], ["widths", "16 × 8"]]);
    for (const id of ["chart-loss", "chart-metric", "chart-grad", "chart-surface"]) {
      const svg = page.getByTestId(id).locator('svg[role="img"]');
      expect(await svg.count(), id).toBe(1);
      expect((await svg.getAttribute("aria-label"))?.length, id).toBeGreaterThan(10);
    }
    // tanh cannot die: the dead-unit chart says so rather than drawing zeros.
    expect(await page.getByTestId("chart-dead").innerText()).toMatch(/No data yet/);
    expect(await page.getByTestId("chart-loss").locator("path").count()).toBeGreaterThanOrEqual(10);
    expect(await page.getByTestId("regions").innerText()).toMatch(/^8\s+activation regions/);
    await page.screenshot({ path: shot("trial"), fullPage: true });

    // A relu trial has dead-unit curves.
    await page.goto(`${baseUrl}/studies/study-xor/trials/0`);
    expect(await page.getByTestId("chart-dead").locator("svg path").count()).toBeGreaterThan(0);

    await page.goto(`${baseUrl}/studies/study-xor`);
    await page.getByRole("link", { name: "Plots" }).click();
    await page.waitForURL(/\/plots$/);
    for (const id of ["chart-history", "chart-pareto", "chart-parallel"]) {
      expect(await page.getByTestId(id).locator('svg[role="img"]').count(), id).toBe(1);
    }
    expect(await page.getByTestId("chart-history").locator("circle").count()).toBe(4);
    expect(await page.getByTestId("chart-parallel").locator("svg > path").count()).toBe(4);
    await page.screenshot({ path: shot("plots"), fullPage: true });
    await context.close();
  });

  it("shows a multi-objective study's Pareto front (leaderboard marker, filter, plot) and each trial's ASHA rung", async () => {
    const { context, page } = await loggedIn(VIEWER_TOKEN);
    await page.getByRole("link", { name: "mo-demo" }).click();
    await page.waitForURL(/\/studies\/study-mo$/);
    const meta = await page.locator(".meta").innerText();
    expect(meta).toMatch(/Objectives: accuracy \(maximize\), params \(minimize\)/);
    expect(await page.getByTestId("pruner").innerText()).toBe("ASHA (min epochs 1, η 3)");

    const rowCells = () => page.getByTestId("leaderboard-row").evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (c) => (c.textContent ?? "").trim())));
    // Trial, then accuracy, params, Pareto marker, rung (epoch 3^rung), CV mean.
    const view = (rows: string[][]) => rows.map((c) => c.slice(1, 6));
    expect(view(await rowCells())).toEqual([
      ["#0", "0.9000", "5,000", "front", "2 (epoch 9)"],
      ["#7", "0.9000", "6,000", "", "2 (epoch 9)"],
      ["#1", "0.8500", "1,000", "front", "2 (epoch 9)"],
      ["#6", "0.8500", "1,000", "front", "2 (epoch 9)"],
      ["#2", "0.8000", "3,000", "", "2 (epoch 9)"],
      ["#3", "0.7000", "500", "front", "2 (epoch 9)"],
    ]);
    await page.getByLabel("Pareto front only").check();
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/pareto=1/);
    expect((await rowCells()).map((c) => c[1])).toEqual(["#0", "#1", "#6", "#3"]);
    expect((await rowCells()).map((c) => Number(c[1]!.slice(1))).sort()).toEqual(MO_FRONT);
    await page.screenshot({ path: shot("pareto-leaderboard"), fullPage: true });

    // PRUNED trials: one stopped at rung 0 (epoch 1), one at rung 1 (epoch 3).
    await page.getByLabel("Pareto front only").uncheck();
    await page.getByLabel("Status", { exact: true }).selectOption("PRUNED");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/status=PRUNED/);
    expect((await rowCells()).map((c) => c.slice(1, 7))).toEqual([
      ["#4", "—", "—", "", "0 (epoch 1)", "PRUNED"],
      ["#5", "—", "—", "", "1 (epoch 3)", "PRUNED"],
    ]);
    await page.getByRole("link", { name: "Trial 4 details" }).click();
    await page.waitForURL(/\/trials\/4$/);
    expect(await page.getByTestId("rung").innerText()).toBe("0 (epoch 1)");
    await page.goto(`${baseUrl}/studies/study-mo/trials/0`);
    expect(await page.getByTestId("rung").innerText()).toBe("2 (epoch 9)");
    expect(await page.getByTestId("objective-values").innerText()).toBe("accuracy 0.9000, params 5,000");

    await page.goto(`${baseUrl}/studies/study-mo/plots`);
    const chart = page.getByTestId("chart-pareto");
    expect(await chart.locator("figcaption").innerText()).toBe("Pareto front: accuracy against params");
    const svg = chart.locator('svg[role="img"]');
    const axisText = await svg.locator("g.axes text").allTextContents(); // SVG text has no innerText
    expect(axisText).toEqual(expect.arrayContaining(["parameters (minimize)", "CV accuracy (maximize)"]));
    // Log parameter axis: decades from 100 to 10,000.
    expect(axisText).toEqual(expect.arrayContaining(["100", "1000", "1e+4"]));
    // Front points in order of parameters (ties by trial number); the rest drawn small.
    const titles = (series: string) => svg.locator(`g[data-series="${series}"] circle title`).allTextContents();
    expect(await titles("on the front")).toEqual(["#3", "#1", "#6", "#0"]);
    expect(await titles("trial")).toEqual(["#2", "#7"]);
    expect(await chart.getByTestId("front-trials").innerText()).toBe("4 on the front: #0, #1, #3, #6");
    await page.screenshot({ path: shot("pareto-plot"), fullPage: true });

    // A single-objective study keeps the score-against-parameters chart.
    await page.goto(`${baseUrl}/studies/study-xor/plots`);
    expect(await page.getByTestId("chart-pareto").locator("figcaption").innerText()).toBe("Pareto front: score against parameter count");
    expect(await page.getByTestId("pruner").innerText()).toBe("none");
    await context.close();
  });

  it("lets an admin create (bad field named) and cancel a study through the coordinator", async () => {
    const { context, page } = await loggedIn(ADMIN_TOKEN);
    const box = page.getByLabel("Study file (YAML or JSON)");
    const good = await box.inputValue();
    await box.fill(good.replace("choice: [relu, tanh]", "choice: [relu, swish]"));
    await page.getByRole("button", { name: "Create study" }).click();
    await expect.poll(() => page.locator(".error-box[role=alert]").innerText()).toMatch(/space\.activation\.choice\[1\]/);
    await page.screenshot({ path: shot("create-invalid"), fullPage: true });

    await box.fill(good.replace("name: xor-demo", "name: created-in-e2e"));
    await page.getByRole("button", { name: "Create study" }).click();
    await page.waitForURL(/\/studies\/(?!study-)[^/]+$/);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("created-in-e2e");
    await page.getByRole("button", { name: "Cancel study created-in-e2e" }).click();
    await expect.poll(() => page.locator(".study-head .badge").innerText()).toBe("CANCELLED");
    expect(await page.getByRole("button", { name: /Cancel study/ }).count()).toBe(0);
    await context.close();
  });

  it("shows a viewer no create or cancel controls and refuses their server actions", async () => {
    const viewer = await loggedIn(VIEWER_TOKEN);
    expect(await viewer.page.getByTestId("role").innerText()).toBe("viewer");
    expect(await viewer.page.getByLabel("Study file (YAML or JSON)").count()).toBe(0);
    await viewer.page.goto(`${baseUrl}/studies/study-xor`);
    expect(await viewer.page.getByRole("button", { name: /Cancel study/ }).count()).toBe(0);
    const viewerCookies = await viewer.context.cookies();
    await viewer.context.close();

    // The actions themselves must refuse: take an admin's page (forms present) and swap its
    // session for the viewer's before submitting, as a viewer posting by hand would.
    const admin = await loggedIn(ADMIN_TOKEN);
    const before = await admin.page.getByTestId("studies").locator("tbody tr").count();
    await admin.context.clearCookies();
    await admin.context.addCookies(viewerCookies);
    await admin.page.getByRole("button", { name: "Create study" }).click();
    await expect.poll(() => admin.page.locator(".error-box[role=alert]").innerText()).toMatch(/^403 forbidden/);
    await admin.page.goto(`${baseUrl}/`);
    expect(await admin.page.getByTestId("studies").locator("tbody tr").count()).toBe(before);

    await admin.context.clearCookies();
    const again = await loggedIn(ADMIN_TOKEN);
    await admin.context.close();
    await again.page.goto(`${baseUrl}/studies/study-xor`);
    await again.context.clearCookies();
    await again.context.addCookies(viewerCookies);
    await again.page.getByRole("button", { name: "Cancel study xor-demo" }).click();
    await expect.poll(() => again.page.locator(".error-box[role=alert]").innerText()).toMatch(/^403 forbidden/);
    await again.page.reload();
    expect(await again.page.locator(".study-head .badge").innerText()).toBe("RUNNING");
    await again.context.close();
  });
});
