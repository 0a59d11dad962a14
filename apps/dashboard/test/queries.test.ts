import { createDb, type Db } from "@automl/db/client";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tTwoSidedP } from "../lib/stats";
import { leaderboardHref, parseLeaderboardQuery } from "../lib/leaderboard-query";
import { getLeaderboard, getStudyHead, getStudyPlots, getTrial, listStudies } from "../lib/queries";
import { EPOCHS, seedStudies, SURFACE_GRID, XOR_ORDER } from "./fixtures";
import { MO_FRONT, MO_TRIALS, seedMultiObjectiveStudy } from "./multi-objective-fixture";
import { objectivesOf, prunerOf, rungText } from "../lib/study-spec";
import { paretoFrontTrials } from "../lib/pareto";

const q = (params: Record<string, string> = {}) => parseLeaderboardQuery(params);

describe("leaderboard URL state", () => {
  it("defaults and rejects anything unknown", () => {
    expect(q()).toEqual({ sort: "cvMean", dir: undefined, status: "COMPLETED", activation: undefined, depth: undefined, width: undefined, pareto: false, page: 1 });
    expect(q({ sort: "DROP TABLE", dir: "up", status: "nope", depth: "-1", page: "0" })).toEqual(q());
    expect(q({ sort: "paramCount", dir: "desc", status: "ANY", activation: "relu", depth: "2", page: "3" }))
      .toEqual({ sort: "paramCount", dir: "desc", status: "ANY", activation: "relu", depth: 2, width: undefined, pareto: false, page: 3 });
  });
  it("round-trips through leaderboardHref, leaving defaults out", () => {
    expect(leaderboardHref("s 1", q(), {})).toBe("/studies/s%201");
    const href = leaderboardHref("s", q(), { sort: "depth", activation: "tanh", page: 2 });
    expect(href).toBe("/studies/s?sort=depth&activation=tanh&page=2");
    expect(parseLeaderboardQuery(Object.fromEntries(new URL(href, "http://x").searchParams))).toMatchObject({ sort: "depth", activation: "tanh", page: 2 });
    expect(leaderboardHref("s", q(), { pareto: true })).toBe("/studies/s?pareto=1");
    expect(q({ pareto: "1" }).pareto).toBe(true);
    expect(q({ pareto: "yes" }).pareto).toBe(false);
  });
});

describe("study spec: objectives, pruner, rung text", () => {
  it("reads the objectives in order, falling back to the study's columns on a malformed list", () => {
    const two = [{ metric: "accuracy", direction: "maximize" }, { metric: "params", direction: "minimize" }];
    expect(objectivesOf({ objectives: two }, "accuracy", "maximize")).toEqual(two);
    expect(objectivesOf({}, "mse", "minimize")).toEqual([{ metric: "mse", direction: "minimize" }]);
    expect(objectivesOf({ objectives: [{ metric: "params", direction: "down" }] }, "mse", "minimize")).toEqual([{ metric: "mse", direction: "minimize" }]);
  });
  it("names the pruner with its options and gives ASHA rungs their epoch (minEpochs·η^rung)", () => {
    expect(prunerOf({})).toBeNull();
    expect(prunerOf({ pruner: "none" })).toBeNull();
    expect(prunerOf({ pruner: "asha" })).toMatchObject({ kind: "asha", label: "ASHA (min epochs 1, η 3)" });
    const asha = prunerOf({ pruner: { asha: { minEpochs: 2, reductionFactor: 4 } } });
    expect([0, 1, 2].map((r) => rungText(r, asha))).toEqual(["0 (epoch 2)", "1 (epoch 8)", "2 (epoch 32)"]);
    expect(rungText(null, asha)).toBe("—");
    expect(prunerOf({ pruner: "median" })).toMatchObject({ kind: "median", label: "median (startup trials 5, warm-up epochs 0)" });
    expect(prunerOf({ pruner: { bogus: 1 } })).toBeNull();
  });
});

describe.skipIf(!(await postgresAvailable()))("dashboard queries (real Postgres)", () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let ids: { xor: string; regress: string };
  let mo: string;

  beforeAll(async () => {
    testDb = await createTestDatabase(TEST_ADMIN_URL);
    db = createDb(testDb.url, { maxConnections: 2 });
    ids = await seedStudies(db);
    mo = await seedMultiObjectiveStudy(db);
  });

  afterAll(async () => {
    await db?.$disconnect();
    await testDb?.drop();
  });

  it("ranks COMPLETED trials by cvMean descending for a maximize study, ties by trial number", async () => {
    const board = await getLeaderboard(db, ids.xor, q());
    expect(board?.rows.map((r) => r.number)).toEqual(XOR_ORDER);
    expect(board?.rows.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(board?.rows.map((r) => r.cvMean)).toEqual([0.95, 0.95, 0.8125, 0.6]);
    expect(board?.rows[0]).toMatchObject({ cvStd: 0.0213, depth: 2, widths: [16, 8], activation: "tanh", batchSize: 64, paramCount: 2234 });
    expect(board).toMatchObject({ total: 4, page: 1, bestNumber: 1, activations: ["relu", "tanh"], depths: [1, 2, 3] });
  });

  it("gives each row its corrected interval and its Holm-adjusted group against the best", async () => {
    // Reference values from scipy 1.10 (python3-scipy), computed once from FOLD_OFFSETS:
    //   f = {k: cvMean[k] + np.array(off[k])}; r = 1/4; tc = stats.t.ppf(0.975, 4)
    //   interval: f[k].mean() ± tc * np.sqrt(1/5 + r) * f[k].std(ddof=1), clipped to [0, 1]
    //   d = f[k] - f[1]; t = d.mean() / np.sqrt((1/5 + r) * d.var(ddof=1)); p = 2 * stats.t.sf(abs(t), 4)
    //   Holm over the 3 comparisons: sorted ascending, p̃(i) = max_{j ≤ i} min(1, (m − j + 1) p(j))
    const board = (await getLeaderboard(db, ids.xor, q()))!;
    const [best, twin, zero, three] = board.rows;
    const ci: [number, number][] = [[0.9205513525778366, 0.9794486474221633], [0.912750080053887, 0.9872499199461129], [0.7415782653697023, 0.8834217346302977], [0.4527567628891832, 0.7472432371108167]];
    board.rows.forEach((r, i) => {
      expect(r.ci!.lo, `#${r.number}`).toBeCloseTo(ci[i]![0], 10);
      expect(r.ci!.hi, `#${r.number}`).toBeCloseTo(ci[i]![1], 10);
    });
    expect(best).toMatchObject({ group: "best", tiedWithBest: true, vsBest: null });
    expect(board.compared).toBe(3);
    // #5 has the same mean over the same folds: no evidence of a difference.
    expect(twin!.vsBest!.p).toBeCloseTo(1, 6);
    expect(twin).toMatchObject({ group: "tied", tiedWithBest: true });
    expect(zero!.vsBest!.meanDiff).toBeCloseTo(-0.1375, 10);
    expect(zero!.vsBest!.p).toBeCloseTo(0.0017040930674191372, 10);
    expect(three!.vsBest!.meanDiff).toBeCloseTo(-0.35, 10);
    // #3: t = −0.35 / √(0.45 · 0.0045) = −70/9, df = 4.
    expect(three!.vsBest!.p).toBeCloseTo(tTwoSidedP(70 / 9, 4), 10);
    expect(three!.vsBest!.p).toBeCloseTo(0.0014734044857135976, 10);
    // Holm: 3·p₍₁₎ = 0.004420 for #3, max(that, 2·p₍₂₎) = 0.004420 for #0, 1 for #5.
    expect(three!.vsBest!.pAdjusted).toBeCloseTo(0.004420213457140793, 10);
    expect(zero!.vsBest!.pAdjusted).toBeCloseTo(0.004420213457140793, 10);
    expect(twin!.vsBest!.pAdjusted).toBeCloseTo(1, 6);
    expect([zero!.group, three!.group]).toEqual(["worse", "worse"]);
  });

  it("rank is the global rank under the objective, whatever the sort, filter or status", async () => {
    const byParams = (await getLeaderboard(db, ids.xor, q({ sort: "paramCount", dir: "desc" })))!;
    expect(byParams.rows.map((r) => [r.number, r.rank])).toEqual([[5, 2], [3, 4], [1, 1], [0, 3]]);
    const relu = (await getLeaderboard(db, ids.xor, q({ activation: "relu" })))!;
    expect(relu.rows.map((r) => [r.number, r.rank, r.group])).toEqual([[0, 3, "worse"]]);
    const any = (await getLeaderboard(db, ids.xor, q({ status: "ANY" })))!;
    expect(any.rows.filter((r) => r.status !== "COMPLETED").every((r) => r.rank === null && r.group === null && r.ci === null)).toBe(true);
    const regress = (await getLeaderboard(db, ids.regress, q({ sort: "number" })))!;
    expect(regress.rows.map((r) => r.rank)).toEqual([2, 1, 3]);
  });

  it("ranks ascending for a minimize study", async () => {
    const board = await getLeaderboard(db, ids.regress, q());
    expect(board?.rows.map((r) => [r.number, r.cvMean])).toEqual([[1, 0.25], [0, 0.5], [2, 0.75]]);
  });

  it("sorts, filters and pages in SQL", async () => {
    const byParams = await getLeaderboard(db, ids.xor, q({ sort: "paramCount", dir: "desc" }));
    expect(byParams?.rows.map((r) => r.number)).toEqual([5, 3, 1, 0]);
    const relu = await getLeaderboard(db, ids.xor, q({ activation: "relu" }));
    expect(relu?.rows.map((r) => r.number)).toEqual([0]);
    const depth2 = await getLeaderboard(db, ids.xor, q({ depth: "2", status: "ANY", sort: "number" }));
    expect(depth2?.rows.map((r) => [r.number, r.status])).toEqual([[1, "COMPLETED"], [4, "FAILED"], [7, "RUNNING"]]);
    const any = await getLeaderboard(db, ids.xor, q({ status: "ANY" }));
    // Unscored trials come after the scored ones, by number.
    expect(any?.rows.map((r) => r.number)).toEqual([1, 5, 0, 3, 2, 4, 6, 7, 8, 9]);
    const running = await getLeaderboard(db, ids.xor, q({ status: "RUNNING" }));
    expect(running).toMatchObject({ total: 2 });
    // Width: any hidden layer of exactly that width (Postgres array containment).
    const all = await getLeaderboard(db, ids.xor, q({ status: "ANY", sort: "number" }));
    const w = 4; // only the depth-3 trials (16 × 8 × 4) have it
    const withW = await getLeaderboard(db, ids.xor, q({ status: "ANY", sort: "number", width: String(w) }));
    expect(withW?.rows.map((r) => r.number)).toEqual(all!.rows.filter((r) => r.widths.includes(w)).map((r) => r.number));
    expect(withW!.rows.length).toBeGreaterThan(0);
    expect(withW!.rows.length).toBeLessThan(all!.rows.length);
    const page2 = await getLeaderboard(db, ids.xor, q({ page: "2" }));
    expect(page2).toMatchObject({ total: 4, rows: [] });
  });

  it("counts trials per status, zero for absent statuses", async () => {
    const board = await getLeaderboard(db, ids.xor, q());
    expect(board?.counts).toEqual({ QUEUED: 1, RUNNING: 2, COMPLETED: 4, PRUNED: 1, FAILED: 1, DIVERGED: 1, CANCELLED: 0 });
    expect(board?.study).toMatchObject({ name: "xor-demo", metric: "accuracy", direction: "maximize", status: "RUNNING", folds: 5 });
  });

  it("returns null for an unknown study or trial", async () => {
    expect(await getLeaderboard(db, "no-such-study", q())).toBeNull();
    expect(await getTrial(db, ids.xor, 999)).toBeNull();
  });

  it("loads a trial with folds, curves, diagnostics and its surface", async () => {
    const t = (await getTrial(db, ids.xor, 1))!;
    expect(t.trial).toMatchObject({ number: 1, backend: "ts", workerId: "worker-1", activation: "tanh" });
    expect(t.folds.map((f) => f.fold)).toEqual([0, 1, 2, 3, 4]);
    expect(Object.keys(t.folds[0]!.metrics).sort()).toEqual(["accuracy", "logloss"]);
    expect(t.folds[0]!.metrics.accuracy).toBeCloseTo(0.97, 12);
    expect(t.epochs).toHaveLength(5 * EPOCHS);
    expect(t.epochs[0]).toMatchObject({ fold: 0, epoch: 1 });
    expect(t.epochs[0]!.diagnostics!.gradNorms).toHaveLength(3);
    expect(t.epochs[0]!.diagnostics!.deadFraction).toEqual([null, null]);
    expect(t.surface).toMatchObject({ grid: SURFACE_GRID, regions: 8 });
    expect(t.surface!.values).toHaveLength(SURFACE_GRID ** 2);
    expect(t.ci!.lo).toBeCloseTo(0.9205513525778366, 10); // the corrected interval, as on the leaderboard
    // A trial without results has none of these, not an error.
    const queued = (await getTrial(db, ids.xor, 9))!;
    expect(queued).toMatchObject({ folds: [], epochs: [], surface: null, ci: null });
  });

  it("aggregates the study plots in SQL: history with running best, Pareto front", async () => {
    const study = (await getStudyHead(db, ids.xor))!;
    const p = await getStudyPlots(db, study);
    expect(p.completed).toBe(4);
    expect(p.history).toEqual([
      { number: 0, score: 0.8125, best: 0.8125 },
      { number: 1, score: 0.95, best: 0.95 },
      { number: 3, score: 0.6, best: 0.95 },
      { number: 5, score: 0.95, best: 0.95 },
    ]);
    // paramCount 1000 + 1234·n: #0 (1000, 0.8125) and #1 (2234, 0.95) dominate #3 and #5.
    expect(p.pareto).toEqual([{ number: 0, paramCount: 1000, score: 0.8125 }, { number: 1, paramCount: 2234, score: 0.95 }]);
    expect(p.sample.map((s) => s.number)).toEqual([0, 1, 3, 5]);
    expect(p.sample[1]).toMatchObject({ depth: 2, widthMean: 12, activation: "tanh" });
    const regress = await getStudyPlots(db, (await getStudyHead(db, ids.regress))!);
    expect(regress.history.map((h) => h.best)).toEqual([0.5, 0.25, 0.25]);
    expect(regress.pareto.map((x) => x.number)).toEqual([0, 1]);
  });

  it("lists studies newest first with progress and the best score in each direction", async () => {
    const studies = await listStudies(db);
    expect(studies.map((s) => s.name)).toEqual(["regress-demo", "xor-demo", "mo-demo"]);
    expect(studies[0]).toMatchObject({ finished: 3, running: 0, budgetTrials: 3, best: 0.25, status: "COMPLETED" });
    // 4 COMPLETED + PRUNED + FAILED + DIVERGED are finished; QUEUED and RUNNING are not.
    expect(studies[1]).toMatchObject({ finished: 7, running: 2, budgetTrials: 40, best: 0.95, task: "binary" });
  });

  it("multi-objective: the Pareto front from Trial.values, per-row objective values, the front filter and rungs", async () => {
    const study = (await getStudyHead(db, mo))!;
    expect(study.objectives).toEqual([{ metric: "accuracy", direction: "maximize" }, { metric: "params", direction: "minimize" }]);
    expect(study.pruner).toMatchObject({ kind: "asha", label: "ASHA (min epochs 1, η 3)" });
    const plots = await getStudyPlots(db, study);
    expect(plots.front.map((t) => t.number)).toEqual(MO_FRONT);
    expect(plots.front.find((t) => t.number === 3)!.values).toEqual([0.7, 500]);
    expect(plots.sample.find((s) => s.number === 2)!.values).toEqual([0.8, 3000]);

    const board = (await getLeaderboard(db, mo, q()))!;
    // cvMean descending, ties by number: #0, #7 (0.9), #1, #6 (0.85), #2, #3.
    expect(board.rows.map((r) => [r.number, r.onFront])).toEqual([[0, true], [7, false], [1, true], [6, true], [2, false], [3, true]]);
    expect(board.rows[0]!.values).toEqual([0.9, 5000]);
    const front = (await getLeaderboard(db, mo, q({ pareto: "1", sort: "number" })))!;
    expect(front.rows.map((r) => r.number)).toEqual(MO_FRONT);
    expect(front.total).toBe(MO_FRONT.length);

    const pruned = (await getLeaderboard(db, mo, q({ status: "PRUNED", sort: "number" })))!;
    expect(pruned.rows.map((r) => [r.number, r.rung, r.onFront])).toEqual([[4, 0, false], [5, 1, false]]);
    expect(pruned.rows.map((r) => rungText(r.rung, study.pruner))).toEqual(["0 (epoch 1)", "1 (epoch 3)"]);
    expect((await getTrial(db, mo, 5))!.trial).toMatchObject({ rung: 1, values: [] });
    expect((await getTrial(db, mo, 0))!.trial).toMatchObject({ rung: 2, values: [0.9, 5000] });

    // Single-objective studies: no front, no Pareto marker; the filter is ignored.
    const xor = (await getLeaderboard(db, ids.xor, q({ pareto: "1" })))!;
    expect(xor.rows.map((r) => r.number)).toEqual(XOR_ORDER);
    expect(xor.rows.every((r) => r.onFront === null && r.rung === null)).toBe(true);
    expect(xor.study).toMatchObject({ objectives: [{ metric: "accuracy", direction: "maximize" }], pruner: null });
  });

  it("multi-objective front agrees with a brute-force dominance check", async () => {
    // Independent reference: a completed trial is on the front iff no other is ≥ in accuracy and
    // ≤ in params with one strict.
    const done = MO_TRIALS.filter((t) => t.accuracy !== undefined);
    const brute = done.filter((a) => !done.some((b) => b.accuracy! >= a.accuracy! && b.params <= a.params && (b.accuracy! > a.accuracy! || b.params < a.params))).map((t) => t.number);
    expect(brute).toEqual(MO_FRONT);
    const plots = await getStudyPlots(db, (await getStudyHead(db, mo))!);
    expect(plots.front.map((t) => t.number)).toEqual(brute);
  });
});

describe.skipIf(!(await postgresAvailable()))("Pareto front from Trial.values against brute force (real Postgres)", () => {
  let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;

  beforeAll(async () => {
    testDb = await createTestDatabase(TEST_ADMIN_URL);
    db = createDb(testDb.url, { maxConnections: 2 });
  });

  afterAll(async () => {
    await db?.$disconnect();
    await testDb?.drop();
  });

  /**
   * Deterministic vectors on a coarse grid (ties in one or every objective are common) that trade
   * the first objective against the second (a front of many points, not one corner point); the
   * sign follows each direction, so "better" is always the lower grid step.
   */
  function vectors(n: number, dirs: ("maximize" | "minimize")[], seed: number): number[][] {
    let x = seed;
    const step = (k: number) => ((x = (x * 1103515245 + 12345) % 2 ** 31), Math.floor((x / 2 ** 31) * k));
    return Array.from({ length: n }, () => {
      const a = step(12);
      const steps = [a, 11 - a + step(4), ...dirs.slice(2).map(() => step(12))];
      // "+ 0" turns −0 into 0: Postgres hands −0 back as 0, and toEqual tells them apart.
      return steps.map((k, i) => (dirs[i] === "maximize" ? -k : k) / 4 + 0);
    });
  }

  /** Independent reference: on the front iff no other vector is no worse everywhere and better somewhere. */
  function bruteFront(vs: number[][], dirs: ("maximize" | "minimize")[]): number[] {
    const better = (a: number, b: number, k: number) => (dirs[k] === "maximize" ? a > b : a < b);
    const dominates = (a: number[], b: number[]) => a.every((v, k) => v === b[k] || better(v, b[k]!, k)) && a.some((v, k) => better(v, b[k]!, k));
    return vs.flatMap((v, i) => (vs.some((w) => dominates(w, v)) ? [] : [i]));
  }

  const cases: { d: number; dirs: ("maximize" | "minimize")[]; seed: number }[] = [
    { d: 2, dirs: ["maximize", "minimize"], seed: 1 },
    { d: 2, dirs: ["minimize", "minimize"], seed: 2 },
    { d: 2, dirs: ["maximize", "maximize"], seed: 3 },
    { d: 3, dirs: ["maximize", "minimize", "minimize"], seed: 4 },
  ];
  it.each(cases)("$d objectives $dirs (seed $seed): the same front as brute force", async ({ d, dirs, seed }) => {
    const id = `rand-${seed}`;
    const vs = vectors(300, dirs, seed);
    expect(vs[0]).toHaveLength(d);
    await db.study.create({ data: { id, name: id, spec: {}, task: "binary", metric: "accuracy", direction: "maximize", budgetTrials: vs.length, parallel: 1, seed } });
    await db.trial.createMany({
      data: [
        ...vs.map((values, number) => ({
          id: `${id}-${number}`, studyId: id, number, status: "COMPLETED" as const, params: {}, depth: 1, widths: [4], activation: "relu",
          learningRate: 0.01, batchSize: 8, paramCount: 10, cvMean: values[0]!, values,
        })),
        // Never on the front: a non-finite value (paretoFront leaves those off), and a PRUNED trial
        // whose vector would beat everything.
        { id: `${id}-nan`, studyId: id, number: 1000, status: "COMPLETED" as const, params: {}, depth: 1, widths: [4], activation: "relu", learningRate: 0.01, batchSize: 8, paramCount: 10, values: [] },
        { id: `${id}-pruned`, studyId: id, number: 1001, status: "PRUNED" as const, params: {}, depth: 1, widths: [4], activation: "relu", learningRate: 0.01, batchSize: 8, paramCount: 10, values: dirs.map((x) => (x === "maximize" ? 99 : -99)) },
      ],
    });
    // Prisma sends arrays as JSON, which has no NaN: write that one vector in SQL.
    await db.$executeRaw`UPDATE "Trial" SET "values" = array_fill('NaN'::float8, ARRAY[${d}::int]) WHERE id = ${`${id}-nan`}`;
    const got = await paretoFrontTrials(db, id, dirs.map((direction, k) => ({ metric: `m${k}`, direction })));
    const want = bruteFront(vs, dirs);
    expect(want.length).toBeGreaterThan(5);
    expect(got.map((t) => t.number)).toEqual(want);
    expect(got.map((t) => t.values)).toEqual(want.map((i) => vs[i]));
  });
});
