import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { startTestStack, type TestStack } from "@automl/coordinator/testing";
import { startWorker, type RunningWorker } from "@automl/worker";
import { automl } from "../support";

const available = await postgresAvailable();

/** A label with every character CSV must quote: it is stored in the enqueued trial's params. */
const LABEL = 'enqueued, "quoted"\nsecond line';

/** Multi-objective under ASHA, per-layer widths: every kind of column the export has. */
const STUDY = JSON.stringify({
  name: "export-trials-it",
  dataset: { builtin: "xor", n: 120, noise: 0.3 },
  task: "binary",
  space: {
    depth: { int: [1, 3] },
    width: { int: [2, 8], perLayer: true },
    activation: { choice: ["relu", "tanh"] },
    learningRate: { float: [0.05, 0.5], log: true },
    batchSize: 16,
    epochs: 9,
  },
  cv: { folds: 3 },
  objectives: [
    { metric: "accuracy", direction: "maximize" },
    { metric: "params", direction: "minimize" },
  ],
  pruner: { asha: { minEpochs: 1, reductionFactor: 3 } },
  trials: [{ label: LABEL, params: { depth: 1, widths: [4], activation: "tanh", learningRate: 0.2, batchSize: 16, epochs: 9 } }],
  budget: { trials: 8, parallel: 2 },
  seed: 3,
});

type Value = string | number | boolean | null;

/** Python's csv module (an RFC 4180 reader we did not write): the records as lists, header first. */
function pythonCsv(file: string): string[][] {
  const script = "import csv, json, sys\nwith open(sys.argv[1], newline='') as f: print(json.dumps(list(csv.reader(f, strict=True))))";
  return JSON.parse(execFileSync("python3", ["-c", script, file], { encoding: "utf8" })) as string[][];
}

/** Python's json module, one document per line (it refuses NaN-free JSON only if we wrote bad JSON). */
function pythonJsonl(file: string): Record<string, Value>[] {
  const script = "import json, sys\nrows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]\nprint(json.dumps(rows, allow_nan=False))";
  return JSON.parse(execFileSync("python3", ["-c", script, file], { encoding: "utf8" })) as Record<string, Value>[];
}

describe.skipIf(!available)("automl export-trials against a real study", () => {
  let stack: TestStack<RunningWorker>;
  let studyId = "";
  let dir = "";
  let env: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({
      scheduler: { intervalMs: 100 },
      worker: (s) => startWorker({ queue: s.queue, coordinator: s.coordinator.address, pool: "cpu", log: silentLogger(), concurrency: 2, backend: "js" }),
    });
    const { id, status } = await stack.runToEnd(STUDY, { timeoutMs: 120_000 });
    expect(status).toBe("COMPLETED");
    studyId = id;
    dir = mkdtempSync(join(tmpdir(), "automl-export-"));
    env = { AUTOML_COORDINATOR_ADDR: stack.coordinator.address };
  }, 180_000);

  afterAll(async () => {
    await stack?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What the export must say of each trial, computed from the database rows. */
  async function expectedRows(): Promise<Record<string, Value>[]> {
    const trials = await stack.db.trial.findMany({ where: { studyId }, include: { folds: true }, orderBy: { number: "asc" } });
    return trials.map((t) => {
      const p = t.params as { depth: number; widths: number[]; activations: string[]; learningRate: number; label?: string };
      const fold = (i: number) => t.folds.find((f) => f.fold === i)?.score ?? null;
      const row: Record<string, Value> = {
        number: t.number,
        id: t.id,
        status: t.status,
        "params.depth": p.depth,
        "params.learningRate": p.learningRate,
        "params.label": p.label ?? null,
        cv_mean: t.cvMean,
        cv_std: t.cvStd,
        fold_0: fold(0),
        fold_1: fold(1),
        fold_2: fold(2),
        epochs: t.folds.length ? Math.max(...t.folds.map((f) => f.epochs)) : null,
        rung: t.rung,
        "objective.accuracy": t.values[0] ?? null,
        "objective.params": t.values[1] ?? null,
        param_count: t.paramCount,
        backend: t.backend,
        started_at: t.startedAt?.toISOString() ?? null,
        finished_at: t.finishedAt?.toISOString() ?? null,
        duration_s: t.startedAt && t.finishedAt ? (t.finishedAt.getTime() - t.startedAt.getTime()) / 1000 : null,
      };
      for (let i = 0; i < 3; i++) {
        row[`params.widths.${i}`] = p.widths[i] ?? null;
        row[`params.activations.${i}`] = p.activations[i] ?? null;
      }
      return row;
    });
  }

  it("writes CSV that an independent RFC 4180 reader takes back as the database's values", async () => {
    const file = join(dir, "trials.csv");
    const run = automl(["export-trials", studyId, "--format", "csv", "-o", file], env);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stdout()).toBe("");
    const text = readFileSync(file, "utf8");
    expect(text.endsWith("\r\n")).toBe(true);
    const [header, ...records] = pythonCsv(file);
    const expected = await expectedRows();
    expect(records).toHaveLength(expected.length);
    expect(expected.length).toBe(8);
    // The study exercised what the columns are for.
    expect(expected.some((r) => r.rung !== null)).toBe(true);
    expect(expected.some((r) => r["params.widths.2"] !== null)).toBe(true);
    expect(header!.slice(0, 3)).toEqual(["number", "id", "status"]);
    expect(new Set(header).size).toBe(header!.length);
    records.forEach((rec, i) => {
      expect(rec).toHaveLength(header!.length);
      const got = Object.fromEntries(header!.map((h, c) => [h, rec[c]!]));
      for (const [col, want] of Object.entries(expected[i]!)) {
        const cell = got[col];
        expect(cell, `trial #${i} ${col}: no such column`).toBeDefined();
        if (want === null) expect(cell, `trial #${i} ${col}`).toBe("");
        else if (typeof want === "number") expect(Number(cell), `trial #${i} ${col}`).toBe(want);
        else expect(cell, `trial #${i} ${col}`).toBe(String(want));
      }
    });
    expect(records[0]![header!.indexOf("params.label")]).toBe(LABEL);
  });

  it("writes JSON Lines with the same columns, by study name, to stdout", async () => {
    const run = automl(["export-trials", "export-trials-it", "--format", "jsonl"], env);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.stderr()).toContain(`8 trials of export-trials-it (${studyId})`);
    const file = join(dir, "trials.jsonl");
    execFileSync("sh", ["-c", 'cat > "$1"', "sh", file], { input: run.stdout() });
    const rows = pythonJsonl(file);
    const expected = await expectedRows();
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, i) => {
      for (const [col, want] of Object.entries(expected[i]!)) expect(row[col], `trial #${i} ${col}`).toBe(want);
    });
    // The same header as the CSV, in the same order.
    const csvHeader = pythonCsv(join(dir, "trials.csv"))[0]!;
    expect(Object.keys(rows[0]!)).toEqual(csvHeader);
  });

  it("answers bad input with exit code 2 and an unknown study with 1, writing no file", async () => {
    const bad = automl(["export-trials", studyId, "--format", "xml"], env);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toContain("--format: must be csv or jsonl");
    const out = join(dir, "none.csv");
    const missing = automl(["export-trials", "no-such-study", "-o", out], env);
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toContain("study no-such-study not found");
    expect(() => readFileSync(out)).toThrow();
  });
});
