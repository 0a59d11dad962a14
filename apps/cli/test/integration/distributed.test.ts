import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@automl/db";
import { postgresAvailable } from "@automl/db/testing";
import { JetStreamDatasetStore } from "@automl/messaging";
import { natsAvailable, TEST_NATS_URL } from "@automl/messaging/testing";
import { parse as parseYaml } from "yaml";
import { automl, distributedFixture, REPO_ROOT, startCoordinatorProcess, stop, type Proc } from "../support";

const available = (await postgresAvailable()) && (await natsAvailable());

/**
 * The distributed path with every hop real: a coordinator and two worker processes on the
 * local Postgres and NATS JetStream, and `automl run … --json --no-dashboard` as the client.
 */
describe.skipIf(!available)("distributed study: CLI → coordinator → JetStream → 2 workers → gRPC → Postgres", () => {
  let fixture: Awaited<ReturnType<typeof distributedFixture>>;
  let db: Db;
  let env: Record<string, string>;
  let coordinator: Proc | undefined;
  const workers: Proc[] = [];

  beforeAll(async () => {
    fixture = await distributedFixture();
    ({ db, env } = fixture);
    coordinator = await startCoordinatorProcess(env);
    workers.push(automl(["worker"], env), automl(["worker"], env));
  });

  afterAll(async () => {
    await Promise.all(workers.map(stop));
    await stop(coordinator);
    await fixture?.dispose();
  });

  it("completes examples/xor.yaml: valid JSON, every trial COMPLETED once, one FoldResult per fold", async () => {
    const file = parseYaml(readFileSync(join(REPO_ROOT, "examples", "xor.yaml"), "utf8")) as { budget: { trials: number }; cv: { folds: number } };
    const run = automl(["run", "examples/xor.yaml", "--json", "--no-dashboard"], env);
    const code = await run.exited;
    expect(code, run.stderr()).toBe(0);

    const out = JSON.parse(run.stdout()) as {
      study: { id: string; status: string };
      trials: { id: string; status: string; cv: { mean: number; std: number; folds: number[] }; paramCount: number; workerId: string }[];
      best: { id: string; cv: { mean: number } };
    };
    expect(out.study.status).toBe("COMPLETED");
    expect(out.trials).toHaveLength(file.budget.trials);
    expect(out.trials.every((t) => t.status === "COMPLETED")).toBe(true);
    expect(out.best.cv.mean).toBeGreaterThanOrEqual(0.95);
    expect(Math.max(...out.trials.map((t) => t.cv.mean))).toBe(out.best.cv.mean);

    // The database agrees with what was printed, and nothing was recorded twice.
    const trials = await db.trial.findMany({ where: { studyId: out.study.id }, include: { folds: true } });
    expect(trials).toHaveLength(file.budget.trials);
    expect(new Set(trials.map((t) => t.number)).size).toBe(file.budget.trials);
    for (const t of trials) {
      expect(t.status).toBe("COMPLETED");
      expect(t.folds.map((f) => f.fold).sort()).toEqual([...Array(file.cv.folds).keys()]);
      const mean = t.folds.reduce((a, f) => a + f.score, 0) / t.folds.length;
      expect(t.cvMean).toBeCloseTo(mean, 9);
      expect(t.paramCount).toBeGreaterThan(0);
      expect(t.folds.every((f) => f.score >= 0 && f.score <= 1)).toBe(true);
    }
    // Per-epoch learning curves were recorded for every fold of every trial.
    const epochs = await db.epochMetric.groupBy({ by: ["trialId", "fold"], where: { trial: { studyId: out.study.id } }, _count: { _all: true } });
    expect(epochs).toHaveLength(file.budget.trials * file.cv.folds);
    // Both worker processes took part.
    expect(new Set(trials.map((t) => t.workerId)).size).toBe(2);
    const study = await db.study.findUniqueOrThrow({ where: { id: out.study.id } });
    expect(study.status).toBe("COMPLETED");

    // The coordinator stores the study's parameter importance once it completes (on a thread of
    // its own, after the COMPLETED status): the same numbers `automl importance` computes.
    let stored: { param: string; importance: number; trials: number }[] = [];
    for (let waited = 0; stored.length === 0 && waited < 60_000; waited += 250) {
      stored = await db.paramImportance.findMany({ where: { studyId: out.study.id }, orderBy: { param: "asc" } });
      if (stored.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((i) => i.trials === file.budget.trials && i.importance >= 0 && i.importance <= 1)).toBe(true);
    const again = automl(["importance", out.study.id, "--json"], env);
    expect(await again.exited, again.stderr()).toBe(0);
    const recomputed = (JSON.parse(again.stdout()) as { importances: { param: string; importance: number }[] }).importances;
    expect(recomputed.map((i) => i.param).sort()).toEqual(stored.map((i) => i.param));
    for (const i of recomputed) expect(i.importance).toBeCloseTo(stored.find((x) => x.param === i.param)!.importance, 12);
  }, 300_000);

  it("uploads a CSV dataset once by content hash; workers fetch it and train on it", async () => {
    const run = automl(["run", "examples/loans-csv.yaml", "--json", "--no-dashboard"], env);
    expect(await run.exited, run.stderr()).toBe(0);
    const out = JSON.parse(run.stdout()) as { study: { id: string }; trials: { status: string; cv: { mean: number } }[] };
    expect(out.trials.length).toBe(12);
    expect(out.trials.every((t) => t.status === "COMPLETED")).toBe(true);
    // AUC well above chance on a learnable synthetic CSV.
    expect(Math.max(...out.trials.map((t) => t.cv.mean))).toBeGreaterThan(0.85);
    const study = await db.study.findUniqueOrThrow({ where: { id: out.study.id } });
    const dataset = (study.spec as { dataset: Record<string, unknown> }).dataset;
    const hash = createHash("sha256").update(readFileSync(join(REPO_ROOT, "examples", "data", "loans.csv"))).digest("hex");
    expect(dataset).toMatchObject({ contentHash: hash, name: "loans.csv", target: "approved", categorical: ["region"] });
    expect(dataset.path).toBeUndefined();
    const store = await JetStreamDatasetStore.connect({ url: TEST_NATS_URL });
    try {
      expect(await store.has(hash)).toBe(true);
    } finally {
      await store.close();
    }
    const folds = await db.foldResult.findMany({ where: { trial: { studyId: out.study.id } } });
    expect(folds.every((f) => typeof (f.metrics as Record<string, number>).auc === "number" && typeof (f.metrics as Record<string, number>).f1 === "number")).toBe(true);
  }, 300_000);

  it("rejects a dataset file without the target column with exit code 2, naming the column", async () => {
    const run = automl(["run", "apps/cli/test/fixtures/missing-target.yaml", "--json", "--no-dashboard"], env);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain("approval");
    expect(run.stderr()).toContain("approved"); // the columns it does have are listed
  }, 60_000);

  it("rejects an invalid study file with exit code 2, naming the fields, and stores nothing", async () => {
    const before = await db.study.count();
    const run = automl(["run", "apps/cli/test/fixtures/invalid-depth.yaml", "--json", "--no-dashboard"], env);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toContain("space.depth.int");
    expect(run.stderr()).toContain("space.activation.choice[1]");
    expect(run.stdout()).toBe("");
    expect(await db.study.count()).toBe(before);
  }, 60_000);
});
