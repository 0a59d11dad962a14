// Models in the dashboard over real HTTP: the built app (`next start`), real Postgres, real model
// artifacts (refit with @automl/model on a generated data set, stored with ModelStore), the ONNX
// download loaded in onnxruntime-node, and the study and trial pages in Chromium.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDataset } from "@automl/datasets";
import { createDb } from "@automl/db/client";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { ModelStore, onnxFeatures, parseArtifact, Predictor, refit, type ModelArtifact } from "@automl/model";
import { seedStudies } from "./fixtures";
import { MO_STUDY, seedMultiObjectiveStudy } from "./multi-objective-fixture";
import { CHROMIUM_ARGS, startBuiltDashboard } from "./support";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const ADMIN_TOKEN = "models-admin-token-0123456789";
const VIEWER_TOKEN = "models-viewer-token-0123456789";
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

interface ErrorBody { error: { code: string; message: string } }
interface ModelJson {
  id: string;
  trial: { id: string; number: number | null };
  size: number;
  createdAt: string;
  cv: { metric: string | null; mean: number | null; std: number | null } | null;
  refit: { rows: number | null; epochs: number | null; seed: number | null; trainScore: number | null };
  downloads: { json: string; onnx: string };
}

/** A real model of the xor study's trial `number`: its configuration refit on 200 generated rows. */
async function xorModel(number: number, seed: number, cvMean: number): Promise<ModelArtifact> {
  const data = generateDataset({ builtin: "xor", n: 200, noise: 0.1 }, 11);
  return refit(data, { inputDim: 2, hidden: [8], activation: "tanh", task: "binary", outputDim: 1 }, { learningRate: 0.1, batchSize: 16, epochs: 6 }, {
    seed, metric: "accuracy", target: "label",
    source: { studyId: "study-xor", studyName: "xor-demo", trialId: `study-xor-t${number}`, trialNumber: number, metric: "accuracy", cvMean, cvStd: 0.01 },
  });
}

describe.skipIf(!(await postgresAvailable()))("models in the dashboard (built app, real Postgres, Chromium)", () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let dashboard: Awaited<ReturnType<typeof startBuiltDashboard>> | undefined;
  let browser: Browser | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), "automl-dash-models-"));
  const store = new ModelStore(dir);
  // final: trial #1's model, the newest of study-xor; earlier: trial #5's.
  let final: { id: string; path: string; artifact: ModelArtifact };
  let earlier: { id: string; path: string };
  // In study-regress: a file changed after the refit, and a row whose file is not here.
  let tampered: string;
  const missing = "f".repeat(64);

  const viewer = { authorization: `Bearer ${VIEWER_TOKEN}` };
  const get = (p: string, headers: Record<string, string> = viewer) => fetch(`${dashboard!.url}${p}`, { headers, redirect: "manual" });

  beforeAll(async () => {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) throw new Error("apps/dashboard/.next is missing: build the dashboard first");
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const a1 = await xorModel(1, 7, 0.95);
    final = { ...store.put(a1), artifact: a1 };
    earlier = store.put(await xorModel(5, 8, 0.95));
    const t = store.put(await xorModel(0, 9, 0.8125));
    tampered = t.id;
    // One changed weight digit: still a valid artifact, no longer the model its id names.
    const text = readFileSync(t.path, "utf8");
    const at = text.indexOf('"data":"') + 12;
    writeFileSync(t.path, text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1));

    testDb = await createTestDatabase(TEST_ADMIN_URL);
    const db = createDb(testDb.url, { maxConnections: 1 });
    try {
      await seedStudies(db);
      await seedMultiObjectiveStudy(db); // completed trials, no model
      const row = (id: string, studyId: string, trialId: string, location: string, createdAt: string, source: object) =>
        ({ id, studyId, trialId, size: existsSync(location) ? readFileSync(location).length : 1234, location, source, createdAt: new Date(createdAt) });
      await db.model.createMany({
        data: [
          row(earlier.id, "study-xor", "study-xor-t5", earlier.path, "2025-01-02T09:00:00Z", parseArtifact(readFileSync(earlier.path)).source),
          row(final.id, "study-xor", "study-xor-t1", final.path, "2025-01-03T09:00:00Z", a1.source),
          row(tampered, "study-regress", "study-regress-t0", t.path, "2025-02-02T09:00:00Z", { epochs: 6, trainRows: 200, seed: 9 }),
          row(missing, "study-regress", "study-regress-t2", path.join(dir, `${missing}.json`), "2025-02-03T09:00:00Z", { epochs: 6, trainRows: 200, seed: 9 }),
        ],
      });
    } finally {
      await db.$disconnect();
    }
    dashboard = await startBuiltDashboard({ AUTOML_DATABASE_URL: testDb.url, AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN_TOKEN, AUTOML_DASHBOARD_VIEWER_TOKEN: VIEWER_TOKEN });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await testDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("needs the dashboard's token: JSON 401 without, never the model's bytes", async () => {
    for (const p of [`/api/v1/models/${final.id}`, `/api/v1/models/${final.id}?format=onnx`, "/api/v1/studies/study-xor/models"]) {
      const attempts: Record<string, string>[] = [{}, { authorization: "Bearer not-the-token-0123456789" }, { cookie: "automl_session=viewer.9999999999.forged" }];
      for (const headers of attempts) {
        const res = await get(p, { ...headers, "x-forwarded-for": "10.9.0.1" });
        expect(res.status, `${p} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(((await res.json()) as ErrorBody).error.code).toBe("unauthorized");
      }
    }
  });

  it("lists a study's models newest first, with provenance and download URLs", async () => {
    const res = await get("/api/v1/studies/study-xor/models");
    expect(res.status).toBe(200);
    const { models } = (await res.json()) as { models: ModelJson[] };
    expect(models.map((m) => m.id)).toEqual([final.id, earlier.id]);
    expect(models[0]).toEqual({
      id: final.id,
      trial: { id: "study-xor-t1", number: 1 },
      size: readFileSync(final.path).length,
      createdAt: "2025-01-03T09:00:00.000Z",
      cv: { metric: "accuracy", mean: 0.95, std: 0.01 },
      refit: { rows: 200, epochs: final.artifact.source.epochs, seed: 7, trainScore: final.artifact.source.trainScore },
      downloads: { json: `/api/v1/models/${final.id}`, onnx: `/api/v1/models/${final.id}?format=onnx` },
    });
    expect(models[1]!.trial).toEqual({ id: "study-xor-t5", number: 5 });
    const regress = (await (await get("/api/v1/studies/study-regress/models")).json()) as { models: ModelJson[] };
    expect(regress.models.map((m) => [m.id, m.trial.number, m.cv])).toEqual([[missing, 2, null], [tampered, 0, null]]);
    expect((await get("/api/v1/studies/no-such-study/models")).status).toBe(404);
    const bad = await get("/api/v1/studies/study-xor/models?limit=5");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error.message).toMatch(/^limit: unknown query parameter/);
  });

  it("serves the artifact's exact bytes as an attachment: they hash to the id", async () => {
    for (const headers of [viewer, { authorization: `Bearer ${ADMIN_TOKEN}` }]) {
      for (const q of ["", "?format=json"]) {
        const res = await get(`/api/v1/models/${final.id}${q}`, headers);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/json");
        expect(res.headers.get("content-disposition")).toBe(`attachment; filename="xor-demo-trial1-${final.id.slice(0, 12)}.json"`);
        const body = new Uint8Array(await res.arrayBuffer());
        expect(sha256(body)).toBe(final.id);
        expect(Buffer.from(body).equals(readFileSync(final.path))).toBe(true);
        expect(parseArtifact(body)).toEqual(final.artifact);
      }
    }
  });

  it("serves ONNX that onnxruntime loads and that gives the artifact's outputs (1e-5)", async () => {
    const res = await get(`/api/v1/models/${final.id}?format=onnx`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="xor-demo-trial1-${final.id.slice(0, 12)}.onnx"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const session = await ort.InferenceSession.create(bytes);
    // Held-out rows (another draw of the generator); the reference is the engine's forward pass
    // on the artifact's weights after its own preprocessing.
    const held = generateDataset({ builtin: "xor", n: 64, noise: 0.1 }, 99);
    const rows = Array.from({ length: held.n }, (_, i) => [held.X[2 * i]!, held.X[2 * i + 1]!]);
    const out = await session.run({ features: new ort.Tensor("float32", onnxFeatures(final.artifact, rows), [rows.length, 2]) });
    await session.release();
    const predictor = new Predictor(final.artifact);
    const encoded = new Float32Array(rows.length * predictor.width);
    rows.forEach((r, i) => predictor.encodeRow(r.map(String), encoded, i, i + 1));
    const engine = predictor.outputs(encoded, rows.length);
    const onnx = out.probabilities!.data as Float32Array;
    expect(onnx.length).toBe(rows.length);
    let worst = 0;
    for (let i = 0; i < rows.length; i++) worst = Math.max(worst, Math.abs(onnx[i]! - engine[i]!));
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(new Set(Array.from(engine, (v) => v.toFixed(3))).size).toBeGreaterThan(5);
    expect(Array.from(out.label!.data as BigInt64Array, Number)).toEqual(Array.from(engine, (p) => (p >= 0.5 ? 1 : 0)));
  });

  it("refuses a changed file (409), a missing file and an unknown id (404), a bad format (400): JSON errors", async () => {
    for (const q of ["", "?format=onnx"]) {
      const res = await get(`/api/v1/models/${tampered}${q}`);
      expect(res.status).toBe(409);
      expect(res.headers.get("content-disposition")).toBeNull();
      expect(await res.json()).toEqual({ error: { code: "model_corrupt", message: `model ${tampered}: its file no longer hashes to the id (changed or corrupt); refused` } });
      const gone = await get(`/api/v1/models/${missing}${q}`);
      expect(gone.status).toBe(404);
      expect(((await gone.json()) as ErrorBody).error.code).toBe("model_file_missing");
    }
    for (const id of ["0".repeat(64), final.id.slice(0, 12), "m1", final.id.toUpperCase()]) {
      const res = await get(`/api/v1/models/${id}`);
      expect(res.status, id).toBe(404);
      expect(((await res.json()) as ErrorBody).error.code).toBe("not_found");
    }
    for (const q of ["?format=xml", "?format=json&format=onnx", "?download=1"]) {
      const res = await get(`/api/v1/models/${final.id}${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as ErrorBody).error.message).toMatch(/^(format|download): /);
    }
  });

  /** A fresh browser context logged in through the /login form. */
  async function loggedIn(token: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${dashboard!.url}/login`);
    await page.getByLabel("Access token").fill(token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${dashboard!.url}/`);
    return { context, page };
  }

  /** Clicks a download link and returns the file the browser saved and the name it was offered. */
  async function download(page: Page, name: RegExp): Promise<{ bytes: Buffer; filename: string }> {
    const [d] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name }).click()]);
    return { bytes: readFileSync((await d.path())!), filename: d.suggestedFilename() };
  }

  it("study page: the newest model as the final model, with working links (viewer)", async () => {
    const { context, page } = await loggedIn(VIEWER_TOKEN);
    await page.goto(`${dashboard!.url}/studies/study-xor`);
    const box = page.getByTestId("final-model");
    await expect.poll(() => box.getByRole("heading").innerText()).toBe("Final model");
    expect(await box.getByTestId("model-cv").innerText()).toBe("0.9500");
    expect(await box.getByTestId("model-refit").innerText()).toBe(`200 rows, ${final.artifact.source.epochs} epochs`);
    expect(await box.getByTestId("model-id").innerText()).toBe(final.id.slice(0, 12));
    // The earlier model is listed under the final one.
    expect(await page.getByTestId("earlier-models").locator("tbody tr").count()).toBe(1);

    const json = await download(page, /^Download the final model as JSON$/);
    expect(json.filename).toBe(`xor-demo-trial1-${final.id.slice(0, 12)}.json`);
    expect(sha256(json.bytes)).toBe(final.id);
    const onnx = await download(page, /^Download the final model as ONNX$/);
    expect(onnx.filename).toBe(`xor-demo-trial1-${final.id.slice(0, 12)}.onnx`);
    const session = await ort.InferenceSession.create(new Uint8Array(onnx.bytes));
    expect(session.inputNames).toEqual(["features"]);
    await session.release();

    // No refit hint for a viewer; the trial link leads to the trial, which offers the same model.
    expect(await page.getByTestId("refit-hint").count()).toBe(0);
    await box.getByTestId("model-trial").click();
    await page.waitForURL(/\/studies\/study-xor\/trials\/1$/);
    const models = page.getByTestId("trial-models");
    await expect.poll(() => models.getByRole("heading").innerText()).toBe("Model");
    expect(sha256((await download(page, /^Download model .* as JSON$/)).bytes)).toBe(final.id);

    // A model whose file is not on this machine offers no link; a study page without models has no block.
    await page.goto(`${dashboard!.url}/studies/study-regress`);
    await expect.poll(() => page.getByTestId("final-model").getByTestId("model-missing").innerText()).toMatch(/not on the dashboard/);
    expect(await page.getByRole("link", { name: /^Download the final model/ }).count()).toBe(0);
    // The earlier, changed file is listed (the page checks only that a file is there); its link gets the 409.
    await page.getByText("Earlier models (1)").click();
    const href = await page.getByTestId("earlier-models").getByRole("link", { name: /as JSON$/ }).getAttribute("href");
    expect(href).toBe(`/api/v1/models/${tampered}`);
    expect(await page.evaluate(async (u) => (await fetch(u)).status, href!)).toBe(409);
    await page.goto(`${dashboard!.url}/studies/study-xor/trials/0`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Trial #0");
    expect(await page.getByTestId("trial-models").count()).toBe(0);
    expect(await page.getByTestId("refit-hint").count()).toBe(0);
    await page.goto(`${dashboard!.url}/studies/${MO_STUDY}`);
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("mo-demo");
    expect(await page.getByTestId("final-model").count()).toBe(0);
    expect(await page.getByTestId("refit-hint").count()).toBe(0);
    await context.close();
  });

  it("admins see the refit command on a completed trial without a model, not on one with a model", async () => {
    const { context, page } = await loggedIn(ADMIN_TOKEN);
    await page.goto(`${dashboard!.url}/studies/study-xor/trials/0`);
    await expect.poll(() => page.getByTestId("refit-hint").innerText()).toContain("npx automl refit study-xor --trial '#0'");
    await page.goto(`${dashboard!.url}/studies/study-xor/trials/4`); // FAILED: nothing to refit
    await expect.poll(() => page.getByRole("heading", { level: 1 }).innerText()).toBe("Trial #4");
    expect(await page.getByTestId("refit-hint").count()).toBe(0);
    await page.goto(`${dashboard!.url}/studies/study-xor/trials/1`);
    await expect.poll(() => page.getByTestId("trial-models").count()).toBe(1);
    expect(await page.getByTestId("refit-hint").count()).toBe(0);
    // A study with completed trials and no model: the command that refits its best trial.
    await page.goto(`${dashboard!.url}/studies/${MO_STUDY}`);
    await expect.poll(() => page.getByTestId("refit-hint").locator("code").innerText()).toBe(`npx automl refit ${MO_STUDY}`);
    await context.close();
  });
});
