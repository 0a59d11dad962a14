// A study's models (rows `automl refit` records, docs/models.md) for the pages and the JSON API,
// and their download: the bytes come from the file the row points at and are served only when
// they hash to the model's id, as JSON (the artifact itself) or as ONNX (@automl/model's export
// of it). The dashboard never refits: that runs training, which lives in the CLI and the worker.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Db } from "@automl/db/client";
import type { Prisma } from "@automl/db";
import { ModelFormatError, modelId, parseArtifact, type ModelSource } from "@automl/model/artifact";
import { exportOnnx } from "@automl/model/onnx";

export const MODEL_FORMATS = ["json", "onnx"] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

const MODEL_ID = /^[0-9a-f]{64}$/;

/** A model as the pages show it: provenance from the artifact's `source`, the trial's number. */
export interface ModelSummary {
  id: string;
  studyId: string;
  trialId: string;
  /** The trial's number in the study (null if the trial row is gone). */
  trialNumber: number | null;
  size: number;
  createdAt: Date;
  source: Partial<ModelSource>;
  /** Whether the file the row points at exists on this machine (its hash is checked on download). */
  onDisk: boolean;
  /** Stored in the distributed stack's JetStream model bucket (location nats://…), which the dashboard does not read. */
  inBucket: boolean;
}

/** The download URLs of a model (relative to the dashboard's origin). */
export const modelHref = (id: string, format: ModelFormat = "json") => `/api/v1/models/${id}${format === "json" ? "" : `?format=${format}`}`;

/** The CLI command that refits a trial (or, without a number, the study's best trial). */
export const refitCommand = (studyId: string, trialNumber?: number) =>
  `npx automl refit ${shellWord(studyId)}${trialNumber === undefined ? "" : ` --trial '#${trialNumber}'`}`;

const shellWord = (s: string) => (/^[A-Za-z0-9._:@/-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

const sourceOf = (j: Prisma.JsonValue): Partial<ModelSource> => (j && typeof j === "object" && !Array.isArray(j) ? (j as Partial<ModelSource>) : {});

/** Models matching `where`, newest first (ties by id). */
async function findModels(db: Db, where: Prisma.ModelWhereInput): Promise<ModelSummary[]> {
  const rows = await db.model.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: { id: true, studyId: true, trialId: true, size: true, createdAt: true, source: true, location: true },
  });
  if (rows.length === 0) return [];
  const trials = await db.trial.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.trialId))] } }, select: { id: true, number: true } });
  const numbers = new Map(trials.map((t) => [t.id, t.number]));
  return rows.map((r) => ({
    id: r.id,
    studyId: r.studyId,
    trialId: r.trialId,
    trialNumber: numbers.get(r.trialId) ?? null,
    size: r.size,
    createdAt: r.createdAt,
    source: sourceOf(r.source),
    onDisk: existsSync(r.location),
    inBucket: r.location.startsWith("nats://"),
  }));
}

export const studyModels = (db: Db, studyId: string) => findModels(db, { studyId });
export const trialModels = (db: Db, trialId: string) => findModels(db, { trialId });

const finiteOrNull = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : null);

/** GET /api/v1/studies/{id}/models: every model of the study, newest first; null without the study. */
export async function apiStudyModels(db: Db, studyId: string) {
  const study = await db.study.findUnique({ where: { id: studyId }, select: { id: true } });
  if (!study) return null;
  const models = await studyModels(db, studyId);
  return {
    models: models.map((m) => ({
      id: m.id,
      trial: { id: m.trialId, number: m.trialNumber },
      size: m.size,
      createdAt: m.createdAt.toISOString(),
      cv: m.source.cvMean === undefined ? null : { metric: m.source.metric ?? null, mean: finiteOrNull(m.source.cvMean), std: finiteOrNull(m.source.cvStd) },
      refit: { rows: finiteOrNull(m.source.trainRows), epochs: finiteOrNull(m.source.epochs), seed: finiteOrNull(m.source.seed), trainScore: finiteOrNull(m.source.trainScore) },
      downloads: { json: modelHref(m.id, "json"), onnx: modelHref(m.id, "onnx") },
    })),
  };
}

export type ModelDownload =
  | { ok: true; id: string; body: Uint8Array; contentType: string; filename: string }
  | { ok: false; status: 404 | 409; code: string; message: string };

/** `<study name>-trial<N>-<first 12 hex of the id>.<ext>`, the name reduced to safe characters. */
export function downloadName(studyName: string, trialNumber: number | null, id: string, format: ModelFormat): string {
  const name = studyName.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._]+/, "").slice(0, 80) || "model";
  return `${name}-trial${trialNumber ?? "unknown"}-${id.slice(0, 12)}.${format}`;
}

/**
 * A model's bytes in the asked format, or why not: 404 when there is no such model or its file is
 * not on this machine, 409 when the file no longer hashes to the id (changed or corrupt: never
 * served) or is an artifact this build cannot read.
 */
export async function modelDownload(db: Db, id: string, format: ModelFormat): Promise<ModelDownload> {
  const notFound = (): ModelDownload => ({ ok: false, status: 404, code: "not_found", message: `model ${id} not found (a model id is the 64 hex digits of its SHA-256)` });
  if (!MODEL_ID.test(id)) return notFound();
  const m = await db.model.findUnique({ where: { id }, select: { id: true, trialId: true, location: true, source: true, study: { select: { name: true } } } });
  if (!m) return notFound();
  let bytes: Buffer;
  try {
    bytes = await readFile(m.location);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR" && code !== "EISDIR") throw err;
    console.error(`api: model ${id}: its file ${m.location} is missing`);
    if (m.location.startsWith("nats://")) {
      return {
        ok: false, status: 404, code: "model_file_missing",
        message: `model ${id} is in the JetStream model bucket, which the dashboard does not read: npx automl export-model ${id} --format json -o model.json`,
      };
    }
    return {
      ok: false, status: 404, code: "model_file_missing",
      message: `model ${id} is recorded, but its file is not on the dashboard's machine (the refit stores it on the machine that ran it; copy it to the recorded path or refit here)`,
    };
  }
  if (modelId(bytes) !== id) {
    console.error(`api: model ${id}: ${m.location} does not hash to the id; refused`);
    return { ok: false, status: 409, code: "model_corrupt", message: `model ${id}: its file no longer hashes to the id (changed or corrupt); refused` };
  }
  const trial = await db.trial.findUnique({ where: { id: m.trialId }, select: { number: true } });
  const trialNumber = trial?.number ?? finiteOrNull(sourceOf(m.source).trialNumber);
  const filename = downloadName(m.study.name, trialNumber, id, format);
  if (format === "json") return { ok: true, id, body: new Uint8Array(bytes), contentType: "application/json", filename };
  try {
    return { ok: true, id, body: exportOnnx(parseArtifact(bytes)), contentType: "application/octet-stream", filename };
  } catch (err) {
    if (!(err instanceof ModelFormatError)) throw err;
    return { ok: false, status: 409, code: "model_unreadable", message: `model ${id}: ${err.message}` };
  }
}
