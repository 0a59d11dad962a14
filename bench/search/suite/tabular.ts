// The curve tables as suite objectives: a configuration "trains" by looking up its row in a
// table generated once by tables/generate.ts (every fold's validation accuracy after every
// epoch). Each table's space uses only `choice` and fixed dimensions matching its grid exactly,
// so every suggestion of every sampler is a row; a suggestion that is not one throws.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { parseSpace, type Params } from "@automl/search";
import type { SuiteObjective } from "./objective";
import { rowKey, TABLES, type CurveTableFile, type TableName } from "./tables/datasets";

export const TABLES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "tables");

export function readTable(name: TableName): CurveTableFile {
  return JSON.parse(gunzipSync(readFileSync(path.join(TABLES_DIR, `${name}.json.gz`))).toString("utf8")) as CurveTableFile;
}

export interface CurveTable {
  file: CurveTableFile;
  /** rowKey → row index. */
  index: Map<string, number>;
  /** Per row, the mean over folds after each epoch: [row][epoch − 1]. */
  mean: Float64Array[];
}

export function loadCurveTable(name: TableName): CurveTable {
  const file = readTable(name);
  const index = new Map<string, number>();
  file.rows.forEach(([depth, widths, learningRate, momentum, batchSize], i) => index.set(rowKey({ depth, widths, learningRate, momentum, batchSize }), i));
  const mean = file.curves.map((c) => {
    const m = new Float64Array(file.epochs);
    for (let e = 0; e < file.epochs; e++) {
      let s = 0;
      for (let f = 0; f < file.folds; f++) s += c[f * file.epochs + e]!;
      m[e] = s / file.folds;
    }
    return m;
  });
  return { file, index, mean };
}

/** The row of a configuration; throws for one outside the table (a space/grid mismatch). */
export function rowOf(t: CurveTable, p: Params): number {
  const i = t.index.get(rowKey(p));
  if (i === undefined) throw new Error(`tabular/${t.file.name}: no row for ${rowKey(p)}`);
  return i;
}

export function tabularObjective(name: TableName): SuiteObjective {
  const t = loadCurveTable(name);
  const E = t.file.epochs;
  const final = (i: number) => t.mean[i]![E - 1]!;
  let optimum = -Infinity;
  for (let i = 0; i < t.mean.length; i++) optimum = Math.max(optimum, final(i));
  return {
    name: `tabular/${name}`,
    family: "tabular",
    spaceInput: t.file.spaceInput,
    space: parseSpace(t.file.spaceInput),
    direction: "maximize",
    optimum,
    evaluate: (p) => final(rowOf(t, p)),
    curve: { maxEpochs: E, at: (p, epoch) => t.mean[rowOf(t, p)]![epoch - 1]! },
  };
}

const SHIPPED = TABLES.filter((s) => existsSync(path.join(TABLES_DIR, `${s.name}.json.gz`)));

/** Every table shipped in tables/ (a missing one is left out, so the synthetic part still runs). */
export const TABULAR_OBJECTIVES: readonly SuiteObjective[] = SHIPPED.map((s) => tabularObjective(s.name));

/** What the suite's report says about each shipped table: its size and how it was generated. */
export function tableInfo(): { name: string; description: string; rows: number; diverged: number; folds: number; epochs: number; generated: CurveTableFile["generated"] }[] {
  return SHIPPED.map((s) => {
    const f = readTable(s.name);
    return { name: f.name, description: f.description, rows: f.rows.length, diverged: f.diverged.length, folds: f.folds, epochs: f.epochs, generated: f.generated };
  });
}
