import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@automl/db";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, distributedFixture, startCoordinatorProcess, stop, type Proc } from "../support";

const available = (await postgresAvailable()) && (await natsAvailable());

// Multiclass, so every factor has a variant (including the K−1 output); small enough for seconds per trial.
const STUDY = `
name: ablate-spirals
dataset: { builtin: spirals, n: 150, classes: 3, noise: 0.1 }
task: multiclass
space:
  depth: 2
  width: { int: [6, 12], perLayer: true }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.1, 0.4], log: true }
  batchSize: 16
  epochs: 6
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 5, parallel: 2 }
seed: 4
`;

interface Json {
  ablation: { id: string; studyId: string; baseStudyId: string; baseTrialId: string; testTrainRatio: number; correction: string };
  base: { trialId: string; folds: number[] };
  rows: { factor: string; variant: string; n: number; meanDiff: number; t: number | string; p: number; pAdjusted: number; significant: boolean; trialId: string }[];
  skipped: { factor: string; variant: string; reason: string }[];
  importance: { importances: { param: string; importance: number }[]; trials: number };
}

/** The two-sided p of Student's t with 2 degrees of freedom has a closed form: 1 − |t|/√(2 + t²). */
const pDf2 = (t: number) => 1 - Math.abs(t) / Math.sqrt(2 + t * t);

describe.skipIf(!available)("automl ablate on the distributed stack", () => {
  let fixture: Awaited<ReturnType<typeof distributedFixture>>;
  let db: Db;
  let env: Record<string, string>;
  let coordinator: Proc | undefined;
  let worker: Proc | undefined;
  let dir = "";

  beforeAll(async () => {
    fixture = await distributedFixture({ AUTOML_WORKER_CONCURRENCY: "2" });
    ({ db, env } = fixture);
    coordinator = await startCoordinatorProcess(env);
    worker = automl(["worker"], env);
    dir = mkdtempSync(join(tmpdir(), "automl-ablate-"));
    writeFileSync(join(dir, "study.yaml"), STUDY);
  });

  afterAll(async () => {
    await stop(worker);
    await stop(coordinator);
    await fixture?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs the study, then the base and every variant on the same folds and seed; stores rows that match the fold scores", async () => {
    const run = automl(["ablate", join(dir, "study.yaml"), "--json"], env);
    expect(await run.exited, run.stderr()).toBe(0);
    const out = JSON.parse(run.stdout()) as Json;

    // The base is the ablated study's best trial.
    const baseStudyTrials = await db.trial.findMany({ where: { studyId: out.ablation.baseStudyId }, include: { folds: true } });
    expect(baseStudyTrials).toHaveLength(5);
    const best = [...baseStudyTrials].sort((a, b) => b.cvMean! - a.cvMean! || a.number - b.number)[0]!;
    expect(out.ablation.baseTrialId).toBe(best.id);

    // The ablation study: the base re-run and one trial per variant, all with the base's seed.
    const runs = await db.trial.findMany({ where: { studyId: out.ablation.studyId }, include: { folds: true }, orderBy: { number: "asc" } });
    const expectedFactors = ["activation:" + ((best.params as { activations: string[] }).activations[0] === "relu" ? "tanh" : "relu"), "depth:-1", "depth:+1", "width:×2", "width:÷2", "output:softmax_km1"];
    expect(out.rows.map((r) => `${r.factor}:${r.variant}`)).toEqual(expectedFactors);
    expect(out.skipped).toEqual([]);
    expect(runs).toHaveLength(1 + expectedFactors.length);
    expect(runs.every((t) => t.status === "COMPLETED" && t.folds.length === 3)).toBe(true);
    const seeds = new Set(runs.map((t) => (t.params as { trialSeed?: number }).trialSeed));
    expect(seeds.size).toBe(1);
    const baseRun = runs.find((t) => (t.params as { label?: string }).label === "ablation:base")!;
    const strip = (p: object) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== "label" && k !== "trialSeed"));
    expect(strip(baseRun.params as object)).toEqual(strip(best.params as object));
    // Same folds, same seed, same configuration: the re-run reproduces the original fold scores.
    const byFold = (t: (typeof runs)[number]) => new Map(t.folds.map((f) => [f.fold, f.score]));
    for (const [fold, score] of byFold(best)) expect(byFold(baseRun).get(fold)).toBeCloseTo(score, 9);

    // Stored rows, checked against the fold scores in Postgres (independent arithmetic).
    const ablation = await db.ablation.findUniqueOrThrow({ where: { id: out.ablation.id }, include: { rows: { orderBy: { position: "asc" } } } });
    expect(ablation).toMatchObject({ studyId: out.ablation.studyId, baseStudyId: out.ablation.baseStudyId, baseTrialId: best.id, baseRunTrialId: baseRun.id, correction: "holm", level: 0.95 });
    expect(ablation.testTrainRatio).toBeCloseTo(0.5, 12); // 3 folds: n_test/n_train = 1/2
    expect(ablation.rows).toHaveLength(expectedFactors.length);
    const baseFolds = byFold(baseRun);
    const ps: number[] = [];
    for (const row of ablation.rows) {
      const variant = runs.find((t) => t.id === row.trialId)!;
      expect((variant.params as { label: string }).label).toBe(`ablation:${row.factor}:${row.variant}`);
      const d = [0, 1, 2].map((f) => byFold(variant).get(f)! - baseFolds.get(f)!);
      const mean = (d[0]! + d[1]! + d[2]!) / 3;
      const s2 = d.reduce((a, x) => a + (x - mean) ** 2, 0) / 2;
      expect(row.n).toBe(3);
      expect(row.meanDiff).toBeCloseTo(mean, 12);
      if (s2 < 1e-20) {
        // A constant difference (e.g. a variant that does exactly as well on every fold).
        expect(row.p).toBe(mean === 0 ? 1 : 0);
      } else {
        const t = mean / Math.sqrt((1 / 3 + 1 / 2) * s2);
        expect(row.t).toBeCloseTo(t, 9);
        expect(row.p).toBeCloseTo(pDf2(t), 9);
        const half = 4.302653 * Math.sqrt((1 / 3 + 1 / 2) * s2); // t₀.₉₇₅,₂ = 4.302653
        expect(row.ciLow).toBeCloseTo(mean - half, 5);
        expect(row.ciHigh).toBeCloseTo(mean + half, 5);
      }
      ps.push(row.p!);
    }
    // Holm over the 6 variants: the smallest p is multiplied by 6, and adjusted p never falls below p.
    const smallest = ablation.rows.reduce((a, r) => (r.p! < a.p! ? r : a));
    expect(smallest.pAdjusted).toBeCloseTo(Math.min(1, 6 * Math.min(...ps)), 12);
    for (const r of ablation.rows) {
      expect(r.pAdjusted!).toBeGreaterThanOrEqual(r.p! - 1e-15);
      expect(r.significant).toBe(r.pAdjusted! <= 0.05);
    }

    // Parameter importance of the ablated study was stored with it.
    const importance = await db.paramImportance.findMany({ where: { studyId: out.ablation.baseStudyId } });
    expect(importance.map((i) => i.param).sort()).toEqual(out.importance.importances.map((i) => i.param).sort());
    expect(importance.every((i) => i.trials === 5 && i.importance >= 0 && i.importance <= 1 && i.method === "fanova-rf")).toBe(true);
    expect(importance.map((i) => i.param)).toEqual(expect.arrayContaining(["width", "learningRate"]));
  }, 300_000);

  it("ablates a stored study by id with --base, printing the per-factor table; bad input exits 2 naming the field", async () => {
    const study = await db.study.findFirstOrThrow({ where: { name: "ablate-spirals" } });
    const worst = await db.trial.findFirstOrThrow({ where: { studyId: study.id }, orderBy: [{ cvMean: "asc" }, { number: "desc" }] });
    const run = automl(["ablate", study.id, "--base", `#${worst.number}`, "--correction", "bh"], env);
    expect(await run.exited, run.stderr()).toBe(0);
    const text = run.stdout();
    expect(text).toContain(`ablation of ablate-spirals trial #${worst.number}`);
    expect(text).toMatch(/factor\s+variant\s+mean accuracy\s+Δ vs base\s+95% CI of Δ\s+t\s+p\s+p adj \(bh\)\s+sig/);
    const stored = await db.ablation.findFirstOrThrow({ where: { baseTrialId: worst.id }, include: { rows: { orderBy: { position: "asc" } } } });
    expect(stored.correction).toBe("bh");
    for (const r of stored.rows) {
      // Each stored row is printed with its numbers as stored.
      const line = text.split("\n").find((l) => l.startsWith(r.factor) && l.split(/\s{2,}/)[1] === r.variant);
      expect(line, `${r.factor} ${r.variant}`).toBeDefined();
      expect(line).toContain(r.meanScore!.toFixed(4));
      expect(line).toContain(`${r.meanDiff! >= 0 ? "+" : ""}${r.meanDiff!.toFixed(4)}`);
    }

    const missing = automl(["ablate", join(dir, "nope.yaml")], env);
    expect(await missing.exited).toBe(2);
    expect(missing.stderr()).toMatch(/cannot read study file .*nope\.yaml/);
    const badBase = automl(["ablate", study.id, "--base", "#999"], env);
    expect(await badBase.exited).toBe(2);
    expect(badBase.stderr()).toContain("--base: no trial #999");
    const badCorrection = automl(["ablate", study.id, "--correction", "bonferroni"], env);
    expect(await badCorrection.exited).toBe(2);
    expect(badCorrection.stderr()).toContain("--correction: expected holm or bh");
  }, 300_000);
});
