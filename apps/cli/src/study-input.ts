import { readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { AppError } from "@automl/common";
import { DatasetSpecError, hashBytes, missingBuiltinFile, parseCsv, type BuiltinFileDirs, type DatasetTask } from "@automl/datasets";
import { JetStreamDatasetStore, type NatsCredentials, type NatsTls } from "@automl/messaging";

/** Where a dataset file given by path goes: read in place (embedded) or uploaded by hash (distributed). */
/** `builtinDirs` (tests) moves where the embedded stack looks for builtin dataset files. */
export type DatasetDelivery = { mode: "embedded"; builtinDirs?: BuiltinFileDirs } | { mode: "upload"; natsUrl: string | undefined; credentials?: NatsCredentials; tls?: NatsTls };

export function readStudyFile(path: string | undefined): string {
  if (!path) throw new AppError("INVALID_ARGUMENT", "a study file path is required");
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new AppError("INVALID_ARGUMENT", `cannot read study file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * The study file as sent to the coordinator. A dataset given by `path` (relative to the study
 * file) is checked here, where the file is, so a missing column or a bad value fails with exit
 * code 2 before anything is stored; then it is either pinned to its absolute path (the embedded
 * stack reads it directly) or uploaded to the JetStream Object Store and referenced by content
 * hash (workers fetch it once and cache it by hash). Anything else is sent as written: the
 * coordinator validates the whole file.
 */
export async function prepareStudyFile(studyPath: string, delivery: DatasetDelivery): Promise<string> {
  const text = readStudyFile(studyPath);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return text; // the coordinator reports the syntax error
  }
  const ds = (doc as { dataset?: Record<string, unknown> } | null)?.dataset;
  if (ds && typeof ds === "object" && typeof ds.builtin === "string" && delivery.mode === "embedded") {
    // The embedded stack's workers are this process: a builtin file dataset missing here would
    // fail every trial, so the study is refused before it is created. (Distributed workers run
    // elsewhere and check their own machine.)
    const problem = missingBuiltinFile(ds.builtin, ds.split === "test" ? "test" : "train", delivery.builtinDirs);
    if (problem) throw new AppError("INVALID_ARGUMENT", `dataset.builtin: ${problem}`);
  }
  if (!ds || typeof ds !== "object" || typeof ds.path !== "string") return text;

  const file = resolve(dirname(studyPath), ds.path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new AppError("INVALID_ARGUMENT", `dataset.path: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const task = (doc as { task?: unknown }).task;
  if (task === "binary" || task === "multiclass" || task === "regression") {
    try {
      parseCsv(Buffer.from(bytes).toString("utf8"), {
        target: String(ds.target ?? ""),
        task: task as DatasetTask,
        categorical: Array.isArray(ds.categorical) ? ds.categorical.map(String) : [],
        // The user's own file, read on the user's machine: errors may quote it.
        showContent: true,
      });
    } catch (err) {
      if (err instanceof DatasetSpecError) throw new AppError("INVALID_ARGUMENT", `dataset (${basename(file)}): ${err.message}`);
      throw err;
    }
  }
  const name = basename(file);
  if (delivery.mode === "embedded") {
    return JSON.stringify({ ...(doc as object), dataset: { ...ds, path: file, name } });
  }
  if (!delivery.natsUrl) throw new AppError("INVALID_ARGUMENT", "AUTOML_NATS_URL: required to upload the study's dataset file");
  const hash = hashBytes(bytes);
  const store = await JetStreamDatasetStore.connect({ url: delivery.natsUrl, credentials: delivery.credentials, tls: delivery.tls });
  try {
    await store.put(hash, bytes, { name });
  } finally {
    await store.close();
  }
  const { path: _path, ...rest } = ds;
  return JSON.stringify({ ...(doc as object), dataset: { ...rest, contentHash: hash, name } });
}
