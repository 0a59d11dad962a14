// Generates the curve tables of the search suite: every configuration of each table's finite
// space trained once, fully, by our engine (crossValidate, TypeScript backend, a fixed seed per
// row), storing every fold's validation accuracy after every epoch. The suite then "trains" a
// configuration by looking its row up (tabular.ts), the NAS-Bench-201 / HPO-B idea.
//   npm run bench:search-tables                  (all tables, written next to this file)
// Env: TABLES_ONLY (comma list of table names), TABLES_LIMIT (train only the first N rows of each
// table: a smoke run), TABLES_OUT (output folder; default this folder).
// Each file is <name>.json.gz: a header (what, how, how long, on what machine) and the rows.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { DECIMALS, enumerateSpace, prepare, round, rowKey, TABLES, trainRow, type CurveTableFile } from "./datasets";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = process.env.TABLES_OUT ?? HERE;
const LIMIT = process.env.TABLES_LIMIT ? Number(process.env.TABLES_LIMIT) : Infinity;
const ONLY = process.env.TABLES_ONLY?.split(",").map((s) => s.trim());

mkdirSync(OUT, { recursive: true });
const started = performance.now();
for (const spec of TABLES) {
  if (ONLY && !ONLY.includes(spec.name)) continue;
  const t0 = performance.now();
  const prep = prepare(spec);
  const configs = enumerateSpace(prep.space).slice(0, LIMIT);
  const file: CurveTableFile = {
    format: 1,
    name: spec.name,
    description: spec.description,
    metric: "accuracy",
    direction: "maximize",
    folds: spec.folds,
    epochs: spec.epochs,
    spaceInput: spec.spaceInput,
    training:
      "@automl/nn crossValidate on the TypeScript backend, metric accuracy, folds kFoldSplits(y, folds, { stratified: true, seed: 0 }), seed rowSeed(rowKey(row)) (bench/search/suite/tables/datasets.ts trainRow)",
    generated: { date: "", wallSeconds: 0, machine: os.cpus()[0]?.model ?? "unknown", cpus: os.cpus().length, node: process.version, loadAverage: 0, command: "npm run bench:search-tables" },
    rows: [],
    diverged: [],
    curves: [],
  };
  for (const [i, p] of configs.entries()) {
    const { curves, diverged } = await trainRow(prep, p);
    file.rows.push([p.depth, p.widths, p.learningRate, p.momentum, p.batchSize]);
    if (diverged) file.diverged.push(i);
    file.curves.push(curves.flat().map(round));
    if ((i + 1) % 20 === 0 || i + 1 === configs.length) {
      process.stderr.write(`${spec.name}: ${i + 1}/${configs.length} rows, ${((performance.now() - t0) / 1000).toFixed(0)} s (${rowKey(p)})\n`);
    }
  }
  file.generated.date = new Date().toISOString();
  file.generated.wallSeconds = Math.round((performance.now() - t0) / 100) / 10;
  file.generated.loadAverage = Number(os.loadavg()[0]!.toFixed(2));
  const target = path.join(OUT, `${spec.name}.json.gz`);
  writeFileSync(target, gzipSync(JSON.stringify(file), { level: 9 }));
  process.stderr.write(`wrote ${target}: ${file.rows.length} rows, ${file.diverged.length} diverged, ${file.generated.wallSeconds} s (${DECIMALS} decimals)\n`);
}
process.stderr.write(`all tables: ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
