import { z } from "zod";
import { commonEnvShape, parseEnvWith } from "@automl/common";
import { BACKEND_CHOICES, type BackendChoice } from "@automl/nn";

const schema = z.object({
  ...commonEnvShape,
  AUTOML_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  AUTOML_ACK_WAIT_MS: z.coerce.number().int().min(1_000).default(30_000),
  AUTOML_MAX_DELIVER: z.coerce.number().int().min(1).default(3),
  /** bench/load only: trials are answered without training, to measure the orchestration. */
  AUTOML_BENCH_NOOP_TRAINING: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  /** Tests only: every epoch of a trial lasts at least this many ms (0: off); see runTrial. */
  AUTOML_TEST_MIN_EPOCH_MS: z.coerce.number().int().min(0).default(0),
  /** Which backend trains: auto picks native for big enough networks when it is built. */
  AUTOML_BACKEND: z.enum(BACKEND_CHOICES as readonly BackendChoice[] as readonly [BackendChoice, ...BackendChoice[]]).default("auto"),
});

export type WorkerEnv = z.infer<typeof schema>;

/** The worker's configuration; only the CLI wiring calls this. */
export function parseEnv(source: Record<string, string | undefined>): WorkerEnv {
  return parseEnvWith(schema, source);
}
