import { once } from "node:events";
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { AppError } from "@automl/common";
import type { Study, Trial } from "@automl/proto";
import type { CoordinatorApi } from "./client";
import { objectivesOf, trialStatusName } from "./format";

/**
 * `automl export-trials <study-id|name> --format csv|jsonl [-o FILE]`: one row per trial, flat, so
 * that `pandas.read_csv` / `read_json(lines=True)` take it as it is. Both formats carry the same
 * columns (docs/api.md lists them). The trials are read over the coordinator's ListTrials in pages
 * and written as each page arrives, never held whole.
 */

export type ExportFormat = "csv" | "jsonl";
export type Cell = string | number | boolean | null;

/** Trials per ListTrials call. */
export const EXPORT_PAGE = 500;

/**
 * The leaves of a trial's params as dotted paths under `params.`: nested objects by key, lists by
 * index (`params.widths.0`, `params.activations.1`). Empty lists and objects have no leaf.
 */
export function flattenParams(value: unknown, prefix = "params", out = new Map<string, Cell>()): Map<string, Cell> {
  if (Array.isArray(value)) value.forEach((v, i) => flattenParams(v, `${prefix}.${i}`, out));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) flattenParams(v, `${prefix}.${k}`, out);
  else out.set(prefix, value === undefined ? null : (value as Cell));
  return out;
}

/** Orders dotted paths segment by segment, numeric segments as numbers (`widths.2` before `widths.10`). */
export function comparePaths(a: string, b: string): number {
  const as = a.split(".");
  const bs = b.split(".");
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i]!;
    const y = bs[i]!;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return as.length - bs.length;
}

/** What decides the header: the params paths seen, the folds and the objectives. */
export interface ExportLayout {
  params: string[];
  folds: number;
  /** Objective metrics of a multi-objective study (empty with one objective). */
  objectives: string[];
}

export function exportHeader(layout: ExportLayout): string[] {
  return [
    "number",
    "id",
    "status",
    ...layout.params,
    "cv_mean",
    "cv_std",
    ...Array.from({ length: layout.folds }, (_, i) => `fold_${i}`),
    "epochs",
    "rung",
    ...layout.objectives.map((m) => `objective.${m}`),
    "param_count",
    "backend",
    "attempt",
    "worker_id",
    "diverged_epoch",
    "error",
    "started_at",
    "finished_at",
    "duration_s",
  ];
}

const orNull = (s: string) => (s === "" ? null : s);

/**
 * One trial as a row: `epochs` is the most epochs any of its folds trained (less than the budget
 * when pruned or stopped early), `duration_s` the seconds from its start to its outcome.
 */
export function exportRow(t: Trial, layout: ExportLayout): Record<string, Cell> {
  const params = flattenParams(JSON.parse(t.paramsJson) as unknown);
  const folds = new Map(t.folds.map((f) => [f.fold, f]));
  const started = t.startedAt ? Date.parse(t.startedAt) : NaN;
  const finished = t.finishedAt ? Date.parse(t.finishedAt) : NaN;
  const row: Record<string, Cell> = { number: t.number, id: t.id, status: trialStatusName(t.status) };
  for (const p of layout.params) row[p] = params.get(p) ?? null;
  row.cv_mean = t.cvMean ?? null;
  row.cv_std = t.cvStd ?? null;
  for (let i = 0; i < layout.folds; i++) row[`fold_${i}`] = folds.get(i)?.score ?? null;
  row.epochs = t.folds.length ? Math.max(...t.folds.map((f) => f.epochs)) : null;
  row.rung = t.rung ?? null;
  layout.objectives.forEach((m, i) => (row[`objective.${m}`] = t.values[i] ?? null));
  row.param_count = t.paramCount;
  row.backend = orNull(t.backend);
  row.attempt = t.attempt;
  row.worker_id = orNull(t.workerId);
  row.diverged_epoch = t.divergedEpoch ?? null;
  row.error = orNull(t.error);
  row.started_at = orNull(t.startedAt);
  row.finished_at = orNull(t.finishedAt);
  row.duration_s = Number.isFinite(started) && Number.isFinite(finished) ? (finished - started) / 1000 : null;
  return row;
}

/** A number that neither JSON nor a CSV reader would take back (NaN, ±Infinity) is written as missing. */
const finite = (c: Cell): Cell => (typeof c === "number" && !Number.isFinite(c) ? null : c);

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break; quotes doubled; missing = empty. */
export function csvField(c: Cell): string {
  const v = finite(c);
  if (v === null) return "";
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record with its CRLF (RFC 4180). */
export const csvRecord = (cells: readonly Cell[]) => `${cells.map(csvField).join(",")}\r\n`;

/** One JSON Lines record: the same keys as the CSV header, in its order; missing = null. */
export function jsonlRecord(header: readonly string[], row: Record<string, Cell>): string {
  return `${JSON.stringify(Object.fromEntries(header.map((h) => [h, finite(row[h] ?? null)])))}\n`;
}

/** Every trial of the study, `EXPORT_PAGE` at a time, by trial number. */
async function* trialPages(api: CoordinatorApi, studyId: string): AsyncGenerator<Trial[]> {
  for (let offset = 0; ; offset += EXPORT_PAGE) {
    const page = await api.listTrials(studyId, false, EXPORT_PAGE, offset);
    if (page.length) yield page;
    if (page.length < EXPORT_PAGE) return;
  }
}

/**
 * A study by id, else by name among the newest 1000 studies; a name several studies share is an
 * error that lists them (an export should not silently pick one).
 */
export async function resolveStudy(api: CoordinatorApi, idOrName: string): Promise<Study> {
  if (!idOrName) throw new AppError("INVALID_ARGUMENT", "export-trials: give a study id or name");
  try {
    return await api.getStudy(idOrName);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== "NOT_FOUND") throw err;
  }
  const named = (await api.listStudies(1000)).filter((s) => s.name === idOrName);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new AppError("NOT_FOUND", `study ${idOrName} not found (neither an id nor the name of one of the newest 1000 studies)`);
  throw new AppError("INVALID_ARGUMENT", `study name ${idOrName} is shared by ${named.length} studies; give an id: ${named.map((s) => s.id).join(", ")}`);
}

interface Sink {
  /** False once the reader has gone (EPIPE: `automl export-trials … | head`): stop writing. */
  write(chunk: string): Promise<boolean>;
}

const isEpipe = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === "EPIPE";

/** Writes with backpressure: waits for 'drain' when the stream's buffer is full. */
function sinkOf(stream: NodeJS.WritableStream): Sink {
  let failed: unknown;
  stream.on("error", (err) => (failed ??= err));
  return {
    async write(chunk) {
      if (failed !== undefined) {
        if (isEpipe(failed)) return false;
        throw failed;
      }
      try {
        if (!stream.write(chunk)) await once(stream, "drain");
      } catch (err) {
        if (isEpipe(err)) return false;
        throw err;
      }
      return true;
    },
  };
}

/**
 * Streams the study's rows to `sink`. CSV needs its header first: a first pass reads the params
 * paths and folds of the trials there are, and the second writes just those trials (numbers below
 * the first pass's count), so a study still running exports a consistent snapshot. JSON Lines
 * uses the same header and passes.
 */
export async function exportTrials(api: CoordinatorApi, study: Study, format: ExportFormat, sink: Sink): Promise<number> {
  const paths = new Set<string>();
  let folds = 0;
  let count = 0;
  for await (const page of trialPages(api, study.id)) {
    for (const t of page) {
      for (const p of flattenParams(JSON.parse(t.paramsJson) as unknown).keys()) paths.add(p);
      for (const f of t.folds) folds = Math.max(folds, f.fold + 1);
      count = Math.max(count, t.number + 1);
    }
  }
  const specFolds = (JSON.parse(study.specJson || "{}") as { cv?: { folds?: number } }).cv?.folds ?? 0;
  const objectives = objectivesOf(study);
  const layout: ExportLayout = {
    params: [...paths].sort(comparePaths),
    folds: Math.max(folds, specFolds),
    objectives: objectives.length > 1 ? objectives.map((o) => o.metric) : [],
  };
  const header = exportHeader(layout);
  if (format === "csv" && !(await sink.write(csvRecord(header)))) return 0;
  let written = 0;
  for await (const page of trialPages(api, study.id)) {
    let chunk = "";
    let rows = 0;
    for (const t of page) {
      if (t.number >= count) continue;
      const row = exportRow(t, layout);
      chunk += format === "csv" ? csvRecord(header.map((h) => row[h] ?? null)) : jsonlRecord(header, row);
      rows++;
    }
    if (chunk && !(await sink.write(chunk))) break;
    written += rows;
  }
  return written;
}

/** The command: stdout, or `-o FILE` written beside it and renamed into place once complete. */
export async function exportTrialsCommand(args: string[], api: CoordinatorApi): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: "string", default: "csv" }, output: { type: "string", short: "o" } } });
  const format = values.format;
  if (format !== "csv" && format !== "jsonl") throw new AppError("INVALID_ARGUMENT", `--format: must be csv or jsonl (got ${JSON.stringify(format)})`);
  if (positionals.length > 1) throw new AppError("INVALID_ARGUMENT", `export-trials: one study id or name expected, got ${positionals.length}`);
  const study = await resolveStudy(api, positionals[0] ?? "");
  if (!values.output) {
    const n = await exportTrials(api, study, format, sinkOf(process.stdout));
    process.stderr.write(`${n} trials of ${study.name} (${study.id})\n`);
    return 0;
  }
  const target = values.output;
  const partial = `${target}.partial-${process.pid}`;
  const file = createWriteStream(partial);
  try {
    await once(file, "open");
    const n = await exportTrials(api, study, format, sinkOf(file));
    file.end();
    await once(file, "finish");
    renameSync(partial, target);
    process.stderr.write(`${n} trials of ${study.name} (${study.id}) written to ${target}\n`);
    return 0;
  } catch (err) {
    file.destroy();
    rmSync(partial, { force: true });
    throw err;
  }
}
