import { realpath } from "node:fs/promises";
import { sep } from "node:path";

/**
 * Which dataset files a worker reads by path. `"any"`: the embedded stack, whose only client is
 * the CLI process of the user who owns those files. Otherwise only files under these directories
 * (AUTOML_DATASET_DIRS, and the cache of uploaded datasets): a study is written by whoever can
 * reach the coordinator, and a path must never make a worker read its own secrets.
 */
export type DatasetPathPolicy = "any" | readonly string[];

/** Why a path is refused; the same words whether or not the file exists, so refusals reveal nothing of the disk. */
export const PATH_REFUSED = "dataset.path: not under a directory this worker may read datasets from (AUTOML_DATASET_DIRS); upload the file instead (`automl study create` does)";

/**
 * The real path of `path` when the policy allows it, undefined when it is refused. Symlinks and
 * `..` are resolved first (realpath), so a link inside an allowed directory to a file outside it
 * is refused, as is a path that does not exist.
 */
export async function allowedDatasetPath(path: string, policy: DatasetPathPolicy): Promise<string | undefined> {
  if (policy === "any") return path;
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) return undefined;
  for (const dir of policy) {
    const root = await realpath(dir).catch(() => undefined);
    if (root !== undefined && real.startsWith(root.endsWith(sep) ? root : root + sep)) return real;
  }
  return undefined;
}
