// Models out of a study: `automl refit`, `automl export-model`, `automl predict`.
// A refit trains the chosen trial's configuration on all the study's rows in this process (the
// worker's own training code, @automl/worker refitTrial), stores the artifact content-addressed
// under $AUTOML_HOME/models and records a Model row in the study's database.
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { parseArgs } from "node:util";
import { AppError, freePort, grpcClientSecurity, type Logger } from "@automl/common";
import { refitTarget, toTrialSpec } from "@automl/coordinator";
import { createDb, createPgliteDb, startEmbeddedPostgres, type Db, type Trial } from "@automl/db";
import { CachedDatasetStore, DEFAULT_MODEL_BUCKET, JetStreamDatasetStore } from "@automl/messaging";
import { exportOnnx, ModelFormatError, ModelStore, PredictInputError, predictCsv, RefitDivergedError, serializeArtifact, type ModelArtifact } from "@automl/model";
import { refitTrial } from "@automl/worker";
import { CoordinatorApi } from "./client";
import type { CliEnv } from "./env";
import { connectModelBucket, migrate, natsOptions } from "./stack";

export const modelStore = (env: CliEnv) => new ModelStore(join(env.AUTOML_HOME, "models"));

/** Runs `fn` with the study database: AUTOML_DATABASE_URL, else the embedded one under AUTOML_HOME. */
async function withDatabase<T>(env: CliEnv, log: Logger, fn: (db: Db) => Promise<T>): Promise<T> {
  if (env.AUTOML_DATABASE_URL) {
    await migrate(env, log);
    const db = createDb(env.AUTOML_DATABASE_URL);
    try {
      return await fn(db);
    } finally {
      await db.$disconnect();
    }
  }
  const pg = await startEmbeddedPostgres({ dataDir: join(env.AUTOML_HOME, "pgdata"), port: await freePort() });
  const db = createPgliteDb(pg.pglite);
  try {
    return await fn(db);
  } finally {
    await db.$disconnect();
    await pg.stop();
  }
}

export interface RefitResult {
  id: string;
  path: string;
  artifact: ModelArtifact;
  trial: Pick<Trial, "id" | "number">;
}

/** Refits a trial of a study, stores the model and records it. */
export async function refitStudy(db: Db, studyRef: string, trialRef: string | undefined, env: CliEnv, log: Logger): Promise<RefitResult> {
  const study = (await db.study.findUnique({ where: { id: studyRef } })) ?? (await db.study.findFirst({ where: { name: studyRef }, orderBy: { createdAt: "desc" } }));
  if (!study) throw new AppError("NOT_FOUND", `study ${studyRef} not found`);
  const trial = await refitTarget(db, study.id, study.direction, trialRef ?? "");
  const spec = toTrialSpec(study, trial);
  const ref = spec.dataset;
  let objects: JetStreamDatasetStore | undefined;
  try {
    if (ref?.contentHash) {
      // An uploaded dataset: fetched by hash (and checked against it) as a worker does.
      if (!env.AUTOML_NATS_URL) throw new AppError("INVALID_ARGUMENT", "AUTOML_NATS_URL: required to fetch the study's uploaded dataset");
      objects = await JetStreamDatasetStore.connect({ ...natsOptions(env), readOnly: true });
      const cache = new CachedDatasetStore(objects, join(env.AUTOML_HOME, "datasets"));
      await cache.get(ref.contentHash);
      ref.path = join(cache.cacheDir, ref.contentHash);
    }
    log.info({ studyId: study.id, trial: trial.number }, "refitting on all rows");
    const artifact = await refitTrial(spec, env.AUTOML_BACKEND, {
      studyId: study.id,
      studyName: study.name,
      trialId: trial.id,
      trialNumber: trial.number,
      metric: study.metric,
      ...(trial.cvMean !== null ? { cvMean: trial.cvMean } : {}),
      ...(trial.cvStd !== null ? { cvStd: trial.cvStd } : {}),
    }).catch((err: unknown) => {
      throw err instanceof RefitDivergedError ? new AppError("FAILED_PRECONDITION", err.message) : err;
    });
    const stored = modelStore(env).put(artifact);
    const row = { studyId: study.id, trialId: trial.id, size: stored.size, location: stored.path, source: JSON.parse(JSON.stringify(artifact.source)) as object };
    await db.model.upsert({ where: { id: stored.id }, create: { id: stored.id, ...row }, update: row });
    return { id: stored.id, path: stored.path, artifact, trial };
  } finally {
    await objects?.close();
  }
}

/** What `npm start` and `automl refit` print: where the model is and how to use it. */
export function refitSummary(r: RefitResult): string {
  const s = r.artifact.source;
  const score = s.cvMean !== undefined ? `, CV ${s.metric} ${s.cvMean.toFixed(4)}` : "";
  return [
    `model ${r.id.slice(0, 12)} (trial #${r.trial.number}${score}, refit on ${s.trainRows} rows, ${s.epochs} epochs): ${r.path}`,
    `predict: npx automl predict ${r.id.slice(0, 12)} rows.csv --proba   (rows.csv: a header with ${r.artifact.features.map((f) => f.name).join(", ")})`,
    `export:  npx automl export-model ${r.id.slice(0, 12)} --format onnx -o model.onnx`,
  ].join("\n");
}


/** Copies a model from the model bucket into the local store (checked against its id). */
async function fetchModel(env: CliEnv, id: string): Promise<void> {
  if (!env.AUTOML_NATS_URL) throw new AppError("INVALID_ARGUMENT", `model ${id.slice(0, 12)} is in the model bucket; AUTOML_NATS_URL is needed to fetch it`);
  const bucket = await connectModelBucket(env, "read");
  try {
    const bytes = await bucket.get(id);
    if (!bytes) throw new AppError("NOT_FOUND", `model ${id} is not in the ${DEFAULT_MODEL_BUCKET} bucket`);
    modelStore(env).putBytes(id, bytes);
  } finally {
    await bucket.close();
  }
}

/**
 * The distributed refit: queued through the coordinator to a worker of the study's pool, which
 * stores the model in the model bucket; waited for, then fetched into the local store.
 */
export async function refitThroughWorker(env: CliEnv, studyRef: string, trial: string | undefined): Promise<RefitResult> {
  const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR, grpcClientSecurity(env));
  try {
    let refit = await api.refitTrial(studyRef, trial ?? "");
    process.stderr.write(`refit of trial #${refit.trialNumber} queued (${refit.id}); waiting for a worker …\n`);
    const deadline = Date.now() + env.AUTOML_REFIT_TIMEOUT_MS;
    while (refit.status === "PENDING") {
      if (Date.now() > deadline) throw new AppError("UNAVAILABLE", `refit ${refit.id}: no worker finished it within ${env.AUTOML_REFIT_TIMEOUT_MS} ms (it stays queued; check the workers of the study's pool)`);
      await new Promise((r) => setTimeout(r, 500));
      refit = await api.getRefit(refit.id);
    }
    if (refit.status !== "DONE") throw new AppError("FAILED_PRECONDITION", `refit ${refit.id} failed: ${refit.error}`);
    await fetchModel(env, refit.modelId);
    const { artifact, path } = modelStore(env).resolve(refit.modelId);
    return { id: refit.modelId, path, artifact, trial: { id: refit.trialId, number: refit.trialNumber } };
  } finally {
    api.close();
  }
}

export async function refitCommand(args: string[], env: CliEnv, log: Logger): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { trial: { type: "string" }, json: { type: "boolean" } } });
  if (!positionals[0]) throw new AppError("INVALID_ARGUMENT", "refit: a study id (or name) is required");
  const r = env.AUTOML_DATABASE_URL
    ? await refitThroughWorker(env, positionals[0], values.trial)
    : await withDatabase(env, log, (db) => refitStudy(db, positionals[0]!, values.trial, env, log));
  process.stdout.write(values.json ? `${JSON.stringify({ id: r.id, path: r.path, source: r.artifact.source }, null, 2)}\n` : `${refitSummary(r)}\n`);
  return 0;
}

/** Model errors are the caller's input: exit 2 (INVALID_ARGUMENT) with the message. */
async function resolveModel(env: CliEnv, ref: string | undefined): Promise<{ artifact: ModelArtifact; id: string }> {
  if (!ref) throw new AppError("INVALID_ARGUMENT", "a model (id, id prefix or .json file) is required");
  // A full id this machine does not have: the distributed stack's model bucket may.
  if (/^[0-9a-f]{64}$/.test(ref) && !modelStore(env).list().includes(ref) && env.AUTOML_NATS_URL) await fetchModel(env, ref);
  try {
    return modelStore(env).resolve(ref);
  } catch (err) {
    if (err instanceof ModelFormatError) throw new AppError("INVALID_ARGUMENT", err.message);
    throw err;
  }
}

/** Writes `bytes` to `out` through a temporary file, so a failed write leaves no file behind. */
function writeWhole(out: string, bytes: Uint8Array): void {
  const tmp = `${out}.${process.pid}.partial`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, out);
}

export async function exportModelCommand(args: string[], env: CliEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: "string", default: "onnx" }, o: { type: "string", short: "o" } } });
  const { artifact } = await resolveModel(env, positionals[0]);
  if (values.format !== "onnx" && values.format !== "json") throw new AppError("INVALID_ARGUMENT", `--format: onnx or json, got ${values.format}`);
  if (!values.o) throw new AppError("INVALID_ARGUMENT", "-o FILE: required");
  writeWhole(values.o, values.format === "onnx" ? exportOnnx(artifact) : serializeArtifact(artifact));
  process.stderr.write(`wrote ${values.o} (${values.format})\n`);
  return 0;
}

export async function predictCommand(args: string[], env: CliEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { o: { type: "string", short: "o" }, proba: { type: "boolean" }, "batch-size": { type: "string" } } });
  const { artifact } = await resolveModel(env, positionals[0]);
  const input = positionals[1];
  if (!input) throw new AppError("INVALID_ARGUMENT", "predict: an input CSV file is required");
  if (!existsSync(input)) throw new AppError("INVALID_ARGUMENT", `${input}: no such file`);
  const opts = { proba: values.proba ?? false, ...(values["batch-size"] ? { batchSize: Number(values["batch-size"]) } : {}) };
  // To a file: written under a temporary name and renamed once complete, so an error leaves nothing.
  const tmp = values.o ? `${values.o}.${process.pid}.partial` : undefined;
  const out = tmp ? createWriteStream(tmp) : process.stdout;
  try {
    const rows = await predictCsv(artifact, createReadStream(input), out, opts);
    if (tmp) {
      out.end();
      await finished(out);
      renameSync(tmp, values.o!);
    }
    process.stderr.write(`predicted ${rows} rows${values.o ? ` into ${values.o}` : ""}\n`);
    return 0;
  } catch (err) {
    if (tmp) {
      out.destroy();
      rmSync(tmp, { force: true });
    }
    if (err instanceof PredictInputError) throw new AppError("INVALID_ARGUMENT", `${input}: ${err.message}`);
    throw err;
  }
}
