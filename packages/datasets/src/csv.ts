import { readFileSync, statSync } from "node:fs";
import { LIMITS } from "@automl/common/core";
// csv-parse (the CSV project's parser, maintained since 2010, no dependencies) rather than a
// hand-rolled splitter: quoted fields with commas, doubled quotes, embedded newlines, CRLF and a
// BOM are each easy to get subtly wrong, and its `info` gives us the file line of every record
// for error messages.
import { parse } from "csv-parse/sync";
import { DatasetSpecError, type CategoricalColumn, type Dataset, type DatasetTask } from "./types";

export interface CsvOptions {
  /** Header name of the column to predict. */
  target: string;
  task: DatasetTask;
  /**
   * Header names of feature columns holding categories; they become integer codes in
   * first-seen order. Any other feature column must be numeric in every row.
   */
  categorical?: string[];
  /**
   * Whether errors may quote the file: header names and cell values. Only for a file whose reader
   * may see it anyway (the user's own file in the CLI, an uploaded hash-checked dataset); otherwise
   * columns are named by position and values left out, so a trial pointed at a file it should not
   * read cannot copy it into an error message that others see (default false).
   */
  showContent?: boolean;
}

const TASKS: readonly DatasetTask[] = ["binary", "multiclass", "regression"];
// Decimal notation only: Number() would also accept "0x1F", "Infinity" and "" (as 0), none of
// which a data file means as a measurement.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;
const MAX_LISTED = 10;

/** The dataset limits (LIMITS in @automl/common); tests pass smaller ones. */
export type CsvLimits = Record<"datasetBytes" | "datasetRows" | "datasetColumns" | "datasetCells", number>;

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * A Dataset from CSV text with a header row. Rows are numbered in errors as data rows: 1-based,
 * header not counted (spreadsheet row = data row + 1), with the file line where the record ends.
 */
export function parseCsv(text: string, opts: CsvOptions, limits: CsvLimits = LIMITS): Dataset {
  validateOptions(opts);
  // UTF-16 length bounds the UTF-8 size from below; exact count only when it matters.
  if (text.length > limits.datasetBytes || (text.length > limits.datasetBytes / 3 && Buffer.byteLength(text, "utf8") > limits.datasetBytes)) {
    throw new DatasetSpecError("csv", `is larger than ${limits.datasetBytes} bytes`);
  }
  let records: CsvRecord[];
  try {
    records = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as CsvRecord[]; // `info: true` changes the shape; the typings do not follow
  } catch (err) {
    // csv-parse's messages quote the offending characters; its code and line do not.
    const e = err as Error & { code?: string; lines?: number };
    throw new DatasetSpecError("csv", `not valid CSV: ${opts.showContent === true ? e.message : `${e.code ?? "parse error"} at file line ${e.lines ?? "?"}`}`);
  }
  const headerRecord = records[0];
  if (headerRecord === undefined) throw new DatasetSpecError("csv", "is empty; a header row is required");
  const header = headerRecord.record.map((h) => h.trim());
  if (header.length > limits.datasetColumns) throw new DatasetSpecError("csv", `has ${header.length} columns; at most ${limits.datasetColumns}`);
  const show = opts.showContent === true;
  checkHeader(header, show);

  const targetCol = header.indexOf(opts.target);
  if (targetCol < 0) throw new DatasetSpecError("target", `column ${JSON.stringify(opts.target)} not found; ${listColumns(header, show)}`);
  const featureCols = header.map((_, i) => i).filter((i) => i !== targetCol);
  const featureNames = featureCols.map((i) => header[i]!);
  const categoricalNames = checkCategorical(opts.categorical ?? [], header, opts.target, show);
  // How errors name a feature column: by its header name, or (content hidden) by its 1-based position.
  const featureFields = featureCols.map((i) => (show ? header[i]! : `column ${i + 1}`));

  const rows = records.slice(1);
  const n = rows.length;
  if (n === 0) throw new DatasetSpecError("csv", "has a header but no data rows");
  if (n > limits.datasetRows) throw new DatasetSpecError("csv", `has ${n} data rows; at most ${limits.datasetRows}`);
  const d = featureCols.length;
  if (n * d > limits.datasetCells) throw new DatasetSpecError("csv", `has ${n} rows × ${d} features = ${n * d} values; at most ${limits.datasetCells}`);
  const X = new Float32Array(n * d);
  // Per feature index: its level → code map when categorical.
  const levelMaps = featureNames.map((name) => (categoricalNames.has(name) ? new Map<string, number>() : undefined));
  const targetRaw: string[] = new Array<string>(n);

  for (let r = 0; r < n; r++) {
    const { record, info } = rows[r]!;
    const where = `data row ${r + 1} (file line ${info.lines})`;
    if (record.length !== header.length) {
      throw new DatasetSpecError("csv", `${where} has ${record.length} fields but the header has ${header.length}`);
    }
    for (let j = 0; j < d; j++) {
      const name = featureFields[j]!;
      const cell = record[featureCols[j]!]!;
      const raw = show ? cell : undefined;
      const value = cell.trim();
      if (value === "") throw cellError(name, where, raw, "is empty (missing values are not supported: impute or drop the row)");
      const levels = levelMaps[j];
      if (levels !== undefined) {
        let code = levels.get(value);
        if (code === undefined) levels.set(value, (code = levels.size));
        X[r * d + j] = code;
      } else {
        X[r * d + j] = parseNumber(value, name, where, raw, " (declare the column in `categorical` if it holds categories)");
      }
    }
    const t = record[targetCol]!.trim();
    if (t === "") throw cellError(opts.target, where, show ? t : undefined, "is empty: every row needs a target");
    targetRaw[r] = t;
  }

  const categorical: CategoricalColumn[] = [];
  levelMaps.forEach((levels, j) => {
    if (levels !== undefined) categorical.push({ column: j, name: featureNames[j]!, levels: [...levels.keys()] });
  });

  const base = { X, n, d, task: opts.task, featureNames, ...(opts.categorical !== undefined ? { categorical } : {}) };
  if (opts.task === "regression") {
    const y = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      y[r] = parseNumber(targetRaw[r]!, opts.target, `data row ${r + 1} (file line ${rows[r]!.info.lines})`, show ? targetRaw[r]! : undefined, " (task regression needs a numeric target)");
    }
    return { ...base, y, classes: 0 };
  }
  const { y, classNames } = encodeClasses(targetRaw, opts.target, opts.task, show);
  return { ...base, y, classes: classNames.length, classNames };
}

/** parseCsv on a file read as UTF-8. */
export function loadCsv(path: string, opts: CsvOptions, limits: CsvLimits = LIMITS): Dataset {
  let text: string;
  try {
    // Refused before it is read into memory.
    const bytes = statSync(path).size;
    if (bytes > limits.datasetBytes) throw new DatasetSpecError("csv", `${JSON.stringify(path)} is ${bytes} bytes; at most ${limits.datasetBytes}`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof DatasetSpecError) throw err;
    throw new DatasetSpecError("path", `cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  return parseCsv(text, opts, limits);
}

function validateOptions(opts: CsvOptions): void {
  if (opts === null || typeof opts !== "object") throw new DatasetSpecError("options", "must be an object like { target, task }");
  if (typeof opts.target !== "string" || opts.target.trim() === "") {
    throw new DatasetSpecError("target", `must name a column, got ${JSON.stringify(opts.target)}`);
  }
  if (!TASKS.includes(opts.task)) {
    throw new DatasetSpecError("task", `must be one of ${TASKS.join(", ")}, got ${JSON.stringify(opts.task)}`);
  }
  if (opts.categorical !== undefined && (!Array.isArray(opts.categorical) || !opts.categorical.every((c) => typeof c === "string"))) {
    throw new DatasetSpecError("categorical", "must be a list of column names");
  }
}

function checkHeader(header: string[], show: boolean): void {
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === "") throw new DatasetSpecError("csv", `header column ${i + 1} has no name`);
    const first = seen.get(name);
    if (first !== undefined) throw new DatasetSpecError("csv", show ? `header names column ${JSON.stringify(name)} twice` : `header columns ${first + 1} and ${i + 1} have the same name`);
    seen.set(name, i);
  });
}

/** The header for an error message: its names, or only how many there are. */
function listColumns(header: string[], show: boolean): string {
  return show ? `the columns are: ${header.map((h) => JSON.stringify(h)).join(", ")}` : `the file has ${header.length} columns`;
}

function checkCategorical(names: string[], header: string[], target: string, show: boolean): Set<string> {
  const set = new Set<string>();
  for (const name of names) {
    if (name === target) {
      throw new DatasetSpecError("categorical", `lists the target column ${JSON.stringify(name)}; class labels are encoded from the task, list only feature columns`);
    }
    if (!header.includes(name)) {
      throw new DatasetSpecError("categorical", `column ${JSON.stringify(name)} not found; ${listColumns(header, show)}`);
    }
    set.add(name);
  }
  return set;
}

/** `column` is a header name, or `column <n>` when content is hidden; `raw` undefined: the value is not shown. */
function cellError(column: string, where: string, raw: string | undefined, problem: string): DatasetSpecError {
  const label = /^column \d+$/.test(column) ? column : `column ${JSON.stringify(column)}`;
  return new DatasetSpecError(column, `${label}, ${where}: ${raw === undefined ? "the value" : `value ${JSON.stringify(raw)}`} ${problem}`);
}

function parseNumber(value: string, column: string, where: string, raw: string | undefined, hint: string): number {
  const v = value.trim();
  if (v === "") throw cellError(column, where, raw, "is empty (missing values are not supported: impute or drop the row)");
  if (!DECIMAL.test(v)) throw cellError(column, where, raw, `is not a number${hint}`);
  const x = Number(v);
  if (!(Math.abs(x) <= FLOAT32_MAX)) throw cellError(column, where, raw, "is outside the 32-bit float range");
  return x;
}

/**
 * Class labels → 0..K−1 in sorted order: numerically when every label is a number (so "10"
 * follows "9"), else by UTF-16 code units (locale-independent, so every machine agrees).
 */
function encodeClasses(labels: string[], column: string, task: "binary" | "multiclass", show: boolean): { y: Float32Array; classNames: string[] } {
  const numeric = labels.every((l) => DECIMAL.test(l));
  // Numeric labels are keyed by value so that "1" and "1.0" are one class.
  const key = numeric ? (l: string) => String(Number(l)) : (l: string) => l;
  const distinct = [...new Set(labels.map(key))];
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const K = distinct.length;
  const listed = show ? `: ${distinct.slice(0, MAX_LISTED).map((c) => JSON.stringify(c)).join(", ")}${K > MAX_LISTED ? ", …" : ""}` : "";
  if (task === "binary" && K !== 2) {
    throw new DatasetSpecError(column, `target column ${JSON.stringify(column)}: task binary needs exactly 2 classes, found ${K}${listed}`);
  }
  if (task === "multiclass" && K < 2) {
    throw new DatasetSpecError(column, `target column ${JSON.stringify(column)}: task multiclass needs at least 2 classes, found ${K}${listed}`);
  }
  const index = new Map(distinct.map((c, i) => [c, i]));
  const y = new Float32Array(labels.length);
  labels.forEach((l, r) => (y[r] = index.get(key(l))!));
  return { y, classNames: distinct };
}
