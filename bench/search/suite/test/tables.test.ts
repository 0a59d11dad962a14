// The curve tables shipped with the suite: every configuration of each table's space is exactly
// one row (checked with the grid sampler's own enumeration), the stored values are what a fold's
// accuracy can be (k/m for its m held-out rows), and a few rows retrained for real with the same
// engine code path as tables/generate.ts give the stored per-fold, per-epoch curves back.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FASHION_MNIST_DIR, SKLEARN_DATA_DIR } from "@automl/datasets";
import { GridSampler, RandomSampler, parseSpace, type FinishedTrial, type Params } from "@automl/search";
import { prepare, rowKey, TABLES, trainRow, type TableName } from "../tables/datasets";
import { loadCurveTable, rowOf, tabularObjective } from "../tabular";

// Stored values are rounded to 6 decimals (|error| ≤ 5e-7); accuracies on ≤ 600 held-out rows
// differ by ≥ 1/600 when one prediction changes, so this tolerance means "the same predictions".
const TOL = 1e-6;

// The datasets are Debian packages; CI installs both (as for @automl/datasets' own tests).
const underCi = process.env.CI === "true";
const present: Record<TableName, boolean> = {
  wine: existsSync(join(SKLEARN_DATA_DIR, "wine_data.csv")),
  digits: existsSync(join(SKLEARN_DATA_DIR, "digits.csv.gz")),
  "fashion-mnist": existsSync(join(FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz")),
};

// Cheap rows to retrain (well under a second each, a few seconds for Fashion-MNIST), plus one of
// wine's diverged rows, so the chance-level padding is checked too.
const RETRAIN: Record<TableName, string[]> = {
  wine: [
    rowKey({ depth: 1, widths: [4], learningRate: 0.03, momentum: 0.9, batchSize: 8 }), rowKey({ depth: 2, widths: [32, 4], learningRate: 0.003, momentum: 0, batchSize: 64 }),
    rowKey({ depth: 4, widths: [32, 32, 32, 32], learningRate: 0.3, momentum: 0.9, batchSize: 64 }), // diverged
  ],
  digits: [rowKey({ depth: 1, widths: [16], learningRate: 0.03, momentum: 0.9, batchSize: 256 })],
  "fashion-mnist": [rowKey({ depth: 1, widths: [16], learningRate: 0.03, momentum: 0, batchSize: 128 })],
};

describe.each(TABLES.map((t) => [t.name, t] as const))("curve table %s", (name, spec) => {
  // Loaded on first use, so a missing table fails its tests rather than the file.
  let cached: ReturnType<typeof loadCurveTable> | undefined;
  const load = () => (cached ??= loadCurveTable(name));

  it("holds every configuration of its space exactly once, with its space and shape", () => {
    const table = load();
    const { file } = table;
    expect(file.spaceInput).toEqual(spec.spaceInput);
    expect([file.folds, file.epochs]).toEqual([spec.folds, spec.epochs]);
    const space = parseSpace(file.spaceInput);
    const grid = new GridSampler();
    const size = grid.size(space);
    expect(file.rows.length).toBe(size);
    const hit = new Set<number>();
    for (let number = 0; number < size; number++) hit.add(rowOf(table, grid.suggest({ space, seed: 1, number, trials: [], directions: ["maximize"] })));
    expect(hit.size).toBe(size);
    for (const c of file.curves) expect(c).toHaveLength(file.folds * file.epochs);
    expect(file.generated.wallSeconds).toBeGreaterThan(0);
  });

  it("a sampler's suggestions are rows; the objective is the fold mean at the last epoch", () => {
    const table = load();
    const { file } = table;
    const obj = tabularObjective(name);
    const sampler = new RandomSampler();
    const trials: FinishedTrial[] = [];
    let best = -Infinity;
    for (let number = 0; number < 50; number++) {
      const p = sampler.suggest({ space: obj.space, seed: 7, number, trials, directions: ["maximize"] });
      const i = rowOf(table, p);
      const c = file.curves[i]!;
      const foldsAt = (e: number) => Array.from({ length: file.folds }, (_, f) => c[f * file.epochs + e - 1]!);
      const meanAt = (e: number) => foldsAt(e).reduce((a, b) => a + b, 0) / file.folds;
      expect(obj.evaluate(p, number)).toBeCloseTo(meanAt(file.epochs), 12);
      expect(obj.curve!.at(p, 1, number)).toBeCloseTo(meanAt(1), 12);
      best = Math.max(best, obj.evaluate(p, number));
      trials.push({ number, params: p, state: "COMPLETE", values: [obj.evaluate(p, number)] });
    }
    expect(best).toBeLessThanOrEqual(obj.optimum);
  });

  it.skipIf(!present[name] && !underCi)("stores accuracies k/m of each fold's held-out rows, and a few rows retrain to the same curves", async () => {
    const table = load();
    const { file } = table;
    const prep = prepare(spec);
    const sizes = prep.folds.map((f) => f.test.length);
    const diverged = new Set(file.diverged);
    for (const [i, c] of file.curves.entries()) {
      if (diverged.has(i)) continue; // padded at chance, 1/classes
      c.forEach((v, j) => {
        const m = sizes[Math.floor(j / file.epochs)]!;
        expect(Math.abs(v * m - Math.round(v * m))).toBeLessThan(m * TOL);
      });
    }
    for (const key of RETRAIN[name]) {
      const i = table.index.get(key);
      expect(i, key).toBeDefined();
      const [depth, widths, learningRate, momentum, batchSize] = file.rows[i!]!;
      const p: Params = { depth, widths, activations: widths.map(() => "relu"), output: "", leakyAlpha: 0.01, maxoutPieces: 2, learningRate, momentum, weightDecay: 0, batchSize, epochs: file.epochs };
      const { curves, diverged } = await trainRow(prep, p);
      expect(diverged).toBe(file.diverged.includes(i!));
      const stored = file.curves[i!]!;
      curves.flat().forEach((v, j) => expect(Math.abs(v - stored[j]!), `${key} fold ${Math.floor(j / file.epochs)} epoch ${(j % file.epochs) + 1}`).toBeLessThanOrEqual(TOL));
    }
  });
});
