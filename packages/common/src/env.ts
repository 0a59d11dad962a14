import { z } from "zod";
import { AppError } from "./errors";
import { withSecretFiles } from "./secrets";

/**
 * Parses an environment-like record against a zod schema; each deployable's env.ts calls this
 * with its own schema. Errors name every bad variable.
 */
export function parseEnvWith<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.infer<S> {
  // `<NAME>_FILE` variables are read first, so schemas see secrets the same way either way.
  const r = schema.safeParse(withSecretFiles(source));
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new AppError("INVALID_ARGUMENT", `bad environment: ${detail}`);
  }
  return r.data;
}

/** Shared variables: where Postgres, NATS and the coordinator are. Unset URLs mean the embedded stack. */
export const commonEnvShape = {
  AUTOML_DATABASE_URL: z.string().url().optional(),
  AUTOML_NATS_URL: z.string().optional(),
  AUTOML_COORDINATOR_ADDR: z.string().default("127.0.0.1:50051"),
  AUTOML_POOL: z.string().regex(/^[a-z0-9-]+$/).default("cpu"),
  AUTOML_NATS_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/).default("AUTOML_TRIALS"),
  AUTOML_NATS_SUBJECT_PREFIX: z.string().default("automl"),
  AUTOML_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
  // Security (docs/operations.md "Security"). Each secret may also be given as <NAME>_FILE (see secrets.ts).
  /** gRPC bearer token: the coordinator refuses calls without it; workers, CLI and dashboard send it. */
  AUTOML_GRPC_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** PEM certificate chain and key: the coordinator serves TLS when both are set. */
  AUTOML_GRPC_TLS_CERT: z.string().optional(),
  AUTOML_GRPC_TLS_CERT_FILE: z.string().optional(),
  AUTOML_GRPC_TLS_KEY: z.string().optional(),
  AUTOML_GRPC_TLS_KEY_FILE: z.string().optional(),
  /** PEM CA the clients verify the coordinator with; setting it (or AUTOML_GRPC_TLS=true: system roots) makes clients use TLS. */
  AUTOML_GRPC_TLS_CA: z.string().optional(),
  AUTOML_GRPC_TLS_CA_FILE: z.string().optional(),
  AUTOML_GRPC_TLS: z.stringbool().default(false),
  /** Mutual TLS: the coordinator requires client certificates signed by this PEM CA; clients present theirs. */
  AUTOML_GRPC_TLS_CLIENT_CA: z.string().optional(),
  AUTOML_GRPC_TLS_CLIENT_CA_FILE: z.string().optional(),
  AUTOML_GRPC_TLS_CLIENT_CERT: z.string().optional(),
  AUTOML_GRPC_TLS_CLIENT_CERT_FILE: z.string().optional(),
  AUTOML_GRPC_TLS_CLIENT_KEY: z.string().optional(),
  AUTOML_GRPC_TLS_CLIENT_KEY_FILE: z.string().optional(),
  /** Lets the coordinator listen beyond loopback without a token (logged as INSECURE). */
  AUTOML_INSECURE: z.stringbool().default(false),
  /** NATS credentials: user + password, a token, an nkey seed, or a .creds file (JWT + seed). */
  AUTOML_NATS_USER: z.string().optional(),
  AUTOML_NATS_PASSWORD: z.string().optional(),
  AUTOML_NATS_TOKEN: z.string().optional(),
  AUTOML_NATS_NKEY_SEED: z.string().optional(),
  AUTOML_NATS_CREDS: z.string().optional(),
  /** TLS to NATS: a PEM CA to verify the server with (or AUTOML_NATS_TLS=true: system roots), and the PEM certificate + key of this client. */
  AUTOML_NATS_TLS: z.stringbool().default(false),
  AUTOML_NATS_TLS_CA: z.string().optional(),
  AUTOML_NATS_TLS_CA_FILE: z.string().optional(),
  AUTOML_NATS_TLS_CERT: z.string().optional(),
  AUTOML_NATS_TLS_CERT_FILE: z.string().optional(),
  AUTOML_NATS_TLS_KEY: z.string().optional(),
  AUTOML_NATS_TLS_KEY_FILE: z.string().optional(),
  /** HMAC key of the cancel broadcast, shared by coordinators and workers (docs/operations.md "Security"). */
  AUTOML_CANCEL_KEY: z.string().min(32, "must be at least 32 characters (openssl rand -base64 32)").optional(),
  AUTOML_CANCEL_KEY_FILE: z.string().optional(),
};
