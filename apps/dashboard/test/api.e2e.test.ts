import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@automl/db/client";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { archOf } from "./fixtures";
import { startBuiltDashboard } from "./support";

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ADMIN_TOKEN = "api-admin-token-0123456789";
const VIEWER_TOKEN = "api-viewer-token-0123456789";

type Status = "QUEUED" | "RUNNING" | "COMPLETED" | "PRUNED" | "FAILED" | "DIVERGED" | "CANCELLED";
const BIG = "api-big";
const N = 1234;
const T0 = Date.parse("2025-03-01T12:00:00.000Z");

/**
 * Trial n of the big study: statuses in a cycle of 10; scores on a 0.05 grid (many ties); finish times on a 50-second grid (many ties); running and queued trials have neither.
 */
function bigTrial(n: number) {
  const status: Status = (["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "PRUNED", "FAILED", "RUNNING", "QUEUED"] as const)[n % 10]!;
  const finished = status !== "RUNNING" && status !== "QUEUED";
  const cvMean = status === "COMPLETED" || status === "PRUNED" ? Math.round((((n * 37) % 101) / 101) * 20) / 20 : null;
  const finishedAt = finished ? new Date(T0 + ((n * 13) % 50) * 1000) : null;
  const startedAt = status === "QUEUED" ? null : new Date(T0 - ((n % 7) + 1) * 1000);
  const arch = archOf(n);
  return {
    id: `${BIG}-t${String(n).padStart(4, "0")}`, studyId: BIG, number: n, status, params: { ...arch, activations: Array(arch.depth).fill(arch.activation) }, ...arch,
    cvMean, cvStd: cvMean === null ? null : 0.01, startedAt, finishedAt,
    rung: status === "PRUNED" ? n % 3 : null,
    values: status === "COMPLETED" && cvMean !== null ? [cvMean, arch.paramCount] : [],
    backend: finished ? "js" : null, attempt: status === "QUEUED" ? 0 : 1,
    error: status === "FAILED" ? `worker lost, "twice", at trial ${n}` : null,
  };
}
const BIG_TRIALS = Array.from({ length: N }, (_, n) => bigTrial(n));

/** Newest first as the API lists them: two created at the same instant go by id; statuses for the filter. */
const STUDIES = [
  { id: BIG, name: "api big", status: "COMPLETED" as const, createdAt: new Date("2025-03-01T10:00:00Z") },
  { id: "api-tie-a", name: "tie a", status: "CANCELLED" as const, createdAt: new Date("2025-02-01T10:00:00Z") },
  { id: "api-tie-b", name: "tie b", status: "RUNNING" as const, createdAt: new Date("2025-02-01T10:00:00Z") },
  { id: "api-old", name: "old", status: "COMPLETED" as const, createdAt: new Date("2025-01-01T10:00:00Z") },
  { id: "api-failed", name: "failed", status: "FAILED" as const, createdAt: new Date("2024-12-01T10:00:00Z") },
];

/** The order asked for: NULL last either way (NULLS LAST), ties by trial number. */
function expectedOrder(sort: "number" | "cvMean" | "finishedAt", desc: boolean, statuses: Status[] | null): number[] {
  const rows = BIG_TRIALS.filter((t) => !statuses || statuses.includes(t.status));
  const key = (t: (typeof BIG_TRIALS)[number]): number | null => (sort === "number" ? t.number : sort === "cvMean" ? t.cvMean : (t.finishedAt?.getTime() ?? null));
  return rows
    .sort((a, b) => {
      const x = key(a);
      const y = key(b);
      if (x === null || y === null) return x === y ? a.number - b.number : x === null ? 1 : -1;
      return (x - y) * (desc ? -1 : 1) || a.number - b.number;
    })
    .map((t) => t.number);
}

interface TrialJson {
  id: string;
  number: number;
  status: string;
  params: unknown;
  cv: { mean: number | null; std: number | null; folds: (number | null)[] } | null;
  epochs: number | null;
  rung: number | null;
  values: (number | null)[];
  paramCount: number;
  backend: string | null;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationS: number | null;
}

describe.skipIf(!(await postgresAvailable()))("dashboard JSON API over HTTP (built app, real Postgres)", () => {
  let dashboard: Awaited<ReturnType<typeof startBuiltDashboard>>;
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  const auth = { authorization: `Bearer ${VIEWER_TOKEN}` };
  const get = (p: string, headers: Record<string, string> = auth) => fetch(`${dashboard.url}${p}`, { headers, redirect: "manual" });
  const getJson = async <T>(p: string, headers: Record<string, string> = auth): Promise<T> => {
    const res = await get(p, headers);
    const body = (await res.json()) as T;
    expect(res.status, `${p}: ${JSON.stringify(body)}`).toBe(200);
    return body;
  };

  beforeAll(async () => {
    if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) throw new Error("apps/dashboard/.next is missing: build the dashboard first");
    testDb = await createTestDatabase(TEST_ADMIN_URL);
    const db = createDb(testDb.url, { maxConnections: 1 });
    try {
      for (const s of STUDIES) {
        await db.study.create({
          data: {
            ...s, task: "binary", metric: "accuracy", direction: "maximize", budgetTrials: s.id === BIG ? N : 4, parallel: 2, seed: 1,
            spec: s.id === BIG ? { cv: { folds: 3 }, objectives: [{ metric: "accuracy", direction: "maximize" }, { metric: "params", direction: "minimize" }], pruner: { asha: { minEpochs: 1, reductionFactor: 3 } } } : {},
          },
        });
      }
      await db.trial.createMany({ data: BIG_TRIALS });
      await db.foldResult.createMany({
        data: BIG_TRIALS.filter((t) => t.status === "COMPLETED").flatMap((t) =>
          [-0.01, 0, 0.01].map((o, fold) => ({ trialId: t.id, fold, score: t.cvMean! + o, loss: 0.3, epochs: 5 + fold }))),
      });
      await db.trial.create({ data: { ...bigTrial(0), id: "tie-b-t0", studyId: "api-tie-b", number: 0, cvMean: 0.5, status: "COMPLETED", values: [] } });
    } finally {
      await db.$disconnect();
    }
    dashboard = await startBuiltDashboard({ AUTOML_DATABASE_URL: testDb.url, AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN_TOKEN, AUTOML_DASHBOARD_VIEWER_TOKEN: VIEWER_TOKEN });
  });

  afterAll(async () => {
    await dashboard?.stop();
    await testDb?.drop();
  });

  it("needs the dashboard's token (Bearer or the login cookie) and answers JSON 401 without", async () => {
    for (const p of ["/api/v1/studies", `/api/v1/studies/${BIG}`, `/api/v1/studies/${BIG}/trials`]) {
      const attempts: Record<string, string>[] = [{}, { authorization: "Bearer not-the-token-0123456789" }, { authorization: `Basic ${VIEWER_TOKEN}` }, { cookie: "automl_session=admin.9999999999.forged" }];
      for (const headers of attempts) {
        const res = await get(p, { ...headers, "x-forwarded-for": "10.1.0.1" });
        expect(res.status, `${p} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
      }
    }
    expect((await get("/api/v1/studies", { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
    expect((await get("/api/v1/studies", { authorization: `bearer ${VIEWER_TOKEN}` })).status).toBe(200);
    // The browser's session cookie, from the real login form, works too.
    const html = await (await fetch(`${dashboard.url}/login`)).text();
    const form = new FormData();
    for (const [, name] of html.matchAll(/name="(\$ACTION_[^"]+)"/g)) form.append(name!, "");
    form.append("token", VIEWER_TOKEN);
    form.append("next", "/");
    const login = await fetch(`${dashboard.url}/login`, { method: "POST", body: form, redirect: "manual", headers: { origin: dashboard.url } });
    const session = /automl_session=[^;]+/.exec(login.headers.getSetCookie().join("\n"))![0];
    const viaCookie = await getJson<{ studies: { id: string }[] }>("/api/v1/studies", { cookie: session });
    expect(viaCookie.studies.map((s) => s.id)).toContain(BIG);
  });

  it("limits wrong bearer tokens per client like failed logins: 429, then even the right token waits", async () => {
    for (let i = 0; i < 10; i++) expect((await get("/api/v1/studies", { authorization: `Bearer wrong-${i}-0123456789abcdef`, "x-forwarded-for": "10.2.0.1" })).status).toBe(401);
    const limited = await get("/api/v1/studies", { ...auth, "x-forwarded-for": "10.2.0.1" });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("too_many_failures");
    expect((await get("/api/v1/studies", { ...auth, "x-forwarded-for": "10.2.0.2" })).status).toBe(200);
  });

  it("lists studies newest first (ties by id), every one exactly once over the pages, filtered by status", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { studies: { id: string }[]; nextCursor: string | null } = await getJson(`/api/v1/studies?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.studies.length).toBeLessThanOrEqual(2);
      seen.push(...page.studies.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(STUDIES.map((s) => s.id));
    const done = await getJson<{ studies: { id: string; status: string }[] }>("/api/v1/studies?status=COMPLETED,FAILED");
    expect(done.studies.map((s) => s.id)).toEqual(["api-big", "api-old", "api-failed"]);
  });

  it("shows one study: counts, best trial, objectives, pruner and its study file; 404 for another id", async () => {
    const { study } = await getJson<{ study: Record<string, unknown> & { counts: Record<string, number>; best: { number: number; cvMean: number } } }>(`/api/v1/studies/${BIG}`);
    const count = (s: Status) => BIG_TRIALS.filter((t) => t.status === s).length;
    expect(study.counts).toEqual({ QUEUED: count("QUEUED"), RUNNING: count("RUNNING"), COMPLETED: count("COMPLETED"), PRUNED: count("PRUNED"), FAILED: count("FAILED"), DIVERGED: 0, CANCELLED: 0 });
    // Best by hand: the highest finite CV mean among COMPLETED trials, the lowest number among ties.
    const best = BIG_TRIALS.filter((t) => t.status === "COMPLETED").sort((a, b) => b.cvMean! - a.cvMean! || a.number - b.number)[0]!;
    expect(study.best).toEqual({ id: best.id, number: best.number, cvMean: best.cvMean });
    expect(study.objectives).toEqual([{ metric: "accuracy", direction: "maximize" }, { metric: "params", direction: "minimize" }]);
    expect(study).toMatchObject({ id: BIG, name: "api big", status: "COMPLETED", budget: { trials: N, parallel: 2 }, createdAt: "2025-03-01T10:00:00.000Z", finishedAt: null });
    expect((study.pruner as { kind: string }).kind).toBe("asha");
    expect((study.spec as { cv: unknown }).cv).toEqual({ folds: 3 });
    const missing = await get("/api/v1/studies/no-such-study");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "not_found", message: "study no-such-study not found" } });
    expect((await get("/api/v1/studies/no-such-study/trials")).status).toBe(404);
    // An endpoint that does not exist is a JSON 404 too, behind the same access check.
    const nowhere = await get("/api/v1/workers/w1");
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual({ error: { code: "not_found", message: "no endpoint /api/v1/workers/w1 (docs/api.md lists them)" } });
    expect((await get("/api/v1/workers/w1", {})).status).toBe(401);
  });

  it("walks every trial exactly once, in the asked order, for each sort and status filter", async () => {
    const filters: (Status[] | null)[] = [null, ["COMPLETED"], ["PRUNED", "FAILED", "RUNNING"]];
    for (const sort of ["number", "cvMean", "finishedAt"] as const) {
      for (const desc of [false, true]) {
        for (const statuses of filters) {
          const q = `sort=${desc ? "-" : ""}${sort}${statuses ? `&status=${statuses.join(",")}` : ""}`;
          const walked: number[] = [];
          let cursor: string | null = null;
          let pages = 0;
          do {
            const page: { trials: TrialJson[]; nextCursor: string | null } = await getJson(`/api/v1/studies/${BIG}/trials?${q}&limit=97${cursor ? `&cursor=${cursor}` : ""}`);
            pages++;
            walked.push(...page.trials.map((t) => t.number));
            if (page.nextCursor) expect(page.trials).toHaveLength(97);
            cursor = page.nextCursor;
          } while (cursor && pages < 100);
          const expected = expectedOrder(sort, desc, statuses);
          expect(new Set(walked).size, q).toBe(walked.length);
          expect(walked, q).toEqual(expected);
        }
      }
    }
  });

  it("returns each trial's recorded fields; limit is capped at 1000", async () => {
    const page = await getJson<{ trials: TrialJson[]; nextCursor: string }>(`/api/v1/studies/${BIG}/trials?limit=1000`);
    expect(page.trials).toHaveLength(1000);
    expect(page.nextCursor).toEqual(expect.any(String));
    const byNumber = new Map(page.trials.map((t) => [t.number, t]));
    for (const n of [0, 6, 7, 8, 9, 500]) {
      const want = BIG_TRIALS[n]!;
      const got = byNumber.get(n)!;
      const scored = want.status === "COMPLETED";
      expect(got, `trial ${n}`).toEqual({
        id: want.id, number: n, status: want.status, params: want.params,
        cv: want.cvMean === null ? null : { mean: want.cvMean, std: 0.01, folds: scored ? [want.cvMean! - 0.01, want.cvMean!, want.cvMean! + 0.01] : [] },
        epochs: scored ? 7 : null, rung: want.rung, values: want.values, paramCount: want.paramCount,
        backend: want.backend, attempt: want.attempt, workerId: null, error: want.error, divergedEpoch: null,
        createdAt: expect.any(String), startedAt: want.startedAt?.toISOString() ?? null, finishedAt: want.finishedAt?.toISOString() ?? null,
        durationS: want.startedAt && want.finishedAt ? (want.finishedAt.getTime() - want.startedAt.getTime()) / 1000 : null,
      });
    }
  });

  it("answers bad query parameters with 400 and a message naming the parameter", async () => {
    const { nextCursor } = await getJson<{ nextCursor: string }>(`/api/v1/studies/${BIG}/trials?sort=-cvMean&limit=5`);
    const cases: [string, RegExp][] = [
      ["limit=0", /^limit: an integer from 1 to 1000/],
      ["limit=1001", /^limit: an integer from 1 to 1000/],
      ["limit=ten", /^limit: /],
      ["sort=params", /^sort: "params" is not one of number, cvMean, finishedAt/],
      ["sort=--number", /^sort: /],
      ["status=DONE", /^status: "DONE" is not one of QUEUED, RUNNING/],
      ["status=COMPLETED,", /^status: "" is not one of/],
      ["status=COMPLETED&status=PRUNED", /^status: given more than once/],
      ["page=2", /^page: unknown query parameter \(allowed: status, sort, limit, cursor\)/],
      ["cursor=not*a*cursor", /^cursor: not a cursor this API returned/],
      [`cursor=${Buffer.from("[1,2]").toString("base64url")}`, /^cursor: not a cursor this API returned/],
      [`sort=cvMean&cursor=${nextCursor}`, /^cursor: made for another query/],
      [`sort=-cvMean&status=COMPLETED&cursor=${nextCursor}`, /^cursor: made for another query/],
    ];
    for (const [q, message] of cases) {
      const res = await get(`/api/v1/studies/${BIG}/trials?${q}`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, q).toBe(400);
      expect(body.error.code, q).toBe("bad_request");
      expect(body.error.message, q).toMatch(message);
    }
    // The same cursor on another study's trials, and the studies list's own checks.
    expect((await get(`/api/v1/studies/api-tie-b/trials?sort=-cvMean&limit=5&cursor=${nextCursor}`)).status).toBe(400);
    expect((await get(`/api/v1/studies?status=DONE`)).status).toBe(400);
    expect((await get(`/api/v1/studies?sort=name`)).status).toBe(400);
    expect((await get(`/api/v1/studies/${BIG}?verbose=1`)).status).toBe(400);
    // The cursor goes on with the same query.
    expect((await get(`/api/v1/studies/${BIG}/trials?sort=-cvMean&limit=5&cursor=${nextCursor}`)).status).toBe(200);
  });
});
