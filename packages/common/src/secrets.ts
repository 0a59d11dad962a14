import { readFileSync } from "node:fs";
import { AppError } from "./errors";

/**
 * Variables whose value may instead come from a file named by `<NAME>_FILE` (Kubernetes Secret
 * volumes, Docker secrets): the file's content, trailing newline dropped, becomes the value.
 * Secrets then never appear in `ps`, in a pod spec or in a shell history.
 */
export const FILE_BACKED_VARIABLES = [
  "AUTOML_DATABASE_URL",
  "AUTOML_GRPC_TOKEN",
  "AUTOML_GRPC_TLS_CERT",
  "AUTOML_GRPC_TLS_KEY",
  "AUTOML_GRPC_TLS_CA",
  "AUTOML_GRPC_TLS_CLIENT_CA",
  "AUTOML_GRPC_TLS_CLIENT_CERT",
  "AUTOML_GRPC_TLS_CLIENT_KEY",
  "AUTOML_NATS_PASSWORD",
  "AUTOML_NATS_TOKEN",
  "AUTOML_NATS_NKEY_SEED",
  "AUTOML_NATS_CREDS",
  "AUTOML_NATS_TLS_CA",
  "AUTOML_NATS_TLS_CERT",
  "AUTOML_NATS_TLS_KEY",
  "AUTOML_CANCEL_KEY",
  "AUTOML_DASHBOARD_ADMIN_TOKEN",
  "AUTOML_DASHBOARD_VIEWER_TOKEN",
] as const;

/**
 * Returns a copy of `source` where each file-backed variable given as `<NAME>_FILE` holds the
 * file's content under `<NAME>`. Setting both forms is an error (which one wins would be a guess);
 * so is an unreadable or empty file. Messages name the variable and the path, never the content.
 */
export function withSecretFiles(source: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...source };
  for (const name of FILE_BACKED_VARIABLES) {
    const path = source[`${name}_FILE`];
    if (path === undefined || path === "") continue;
    if (source[name] !== undefined && source[name] !== "") {
      throw new AppError("INVALID_ARGUMENT", `bad environment: ${name} and ${name}_FILE are both set; set only one`);
    }
    out[name] = readSecretFile(`${name}_FILE`, path);
  }
  return out;
}

function readSecretFile(variable: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new AppError("INVALID_ARGUMENT", `bad environment: ${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`, { cause: err });
  }
  // Editors and `echo` end files with a newline that is not part of a token or password.
  const value = text.replace(/\r?\n$/, "");
  if (value.trim() === "") throw new AppError("INVALID_ARGUMENT", `bad environment: ${variable}: ${path} is empty`);
  return value;
}

/** Field names that hold secrets wherever they appear in a log record; pino replaces their values. */
const SECRET_FIELDS = ["token", "password", "pass", "seed", "nkeySeed", "creds", "authorization", "key", "privateKey", ...FILE_BACKED_VARIABLES];

/** pino `redact` paths: each secret field at the top level and one level down (`{ env: { … } }`). */
export const REDACTED_LOG_PATHS: string[] = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`]);
