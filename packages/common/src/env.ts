import { z } from "zod";
import { AppError } from "./errors";

/**
 * Parses an environment-like record against a zod schema; each deployable's env.ts calls this
 * with its own schema. Errors name every bad variable.
 */
export function parseEnvWith<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.infer<S> {
  const r = schema.safeParse(source);
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
};
