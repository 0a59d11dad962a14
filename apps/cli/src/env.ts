import { z } from "zod";
import { commonEnvShape, parseEnvWith } from "@automl/common";
import { BACKEND_CHOICES, type BackendChoice } from "@automl/nn";
import { DEFAULT_CHECKPOINT_EVERY, parseCheckpointEvery } from "@automl/worker";

const schema = z.object({
  ...commonEnvShape,
  AUTOML_GRPC_LISTEN: z.string().default("127.0.0.1:50051"),
  AUTOML_DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Loopback unless set: the embedded stack never listens beyond this machine.
  AUTOML_DASHBOARD_HOST: z.string().default("127.0.0.1"),
  /** Dashboard access: admin may create and cancel studies, viewer only reads. Unset = open (loopback only). */
  AUTOML_DASHBOARD_ADMIN_TOKEN: z.string().min(16).optional(),
  AUTOML_DASHBOARD_VIEWER_TOKEN: z.string().min(16).optional(),
  /** host:port of the HTTP health server (/healthz, /readyz) of `coordinator` and `worker`; unset = none. */
  AUTOML_HEALTH_LISTEN: z.string().regex(/^[^:]+:\d+$/, "host:port").optional(),
  /** On SIGTERM a worker lets running trials finish this long, then naks them for redelivery. */
  AUTOML_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  AUTOML_HOME: z.string().default(".automl"),
  AUTOML_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /**
   * Directories (separated by ":") under which a worker may read a dataset named by path; unset =
   * none: distributed studies upload their files. Paths are resolved (symlinks, ..) before the check.
   */
  AUTOML_DATASET_DIRS: z
    .string()
    .default("")
    .transform((v) => v.split(":").filter((d) => d !== ""))
    .refine((dirs) => dirs.every((d) => d.startsWith("/")), "every directory must be an absolute path"),
  /** Which backend a worker trains on: auto picks native for big enough networks when it is built. */
  AUTOML_BACKEND: z.enum(BACKEND_CHOICES as readonly BackendChoice[] as readonly [BackendChoice, ...BackendChoice[]]).default("auto"),
  AUTOML_ACK_WAIT_MS: z.coerce.number().int().min(1_000).default(30_000),
  AUTOML_MAX_DELIVER: z.coerce.number().int().min(1).default(3),
  /** Scheduler lease of the coordinator: a standby takes over this long after the last renewal of the leader. */
  AUTOML_LEADER_LEASE_MS: z.coerce.number().int().min(1_000).max(300_000).default(5_000),
  /**
   * How often a worker checkpoints a running trial: "5" (epochs), "30s" (seconds) or "off"; the
   * next attempt of an interrupted trial resumes from its last checkpoint (docs/operations.md).
   */
  AUTOML_CHECKPOINT_EVERY: z
    .string()
    .default(DEFAULT_CHECKPOINT_EVERY)
    .transform((v, ctx) => {
      try {
        return parseCheckpointEvery(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^AUTOML_CHECKPOINT_EVERY: /, "") });
        return z.NEVER;
      }
    }),
  /** `automl refit` in the distributed stack: how long to wait for a worker to finish the refit. */
  AUTOML_REFIT_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(900_000),
  /** bench/load only: workers answer trials without training, to measure the orchestration. */
  AUTOML_BENCH_NOOP_TRAINING: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  /**
   * Tests only: every epoch of a trial lasts at least this many ms (0, the default: off), so that
   * tests acting on a worker mid-trial do not depend on how fast the engine trains.
   */
  AUTOML_TEST_MIN_EPOCH_MS: z.coerce.number().int().min(0).default(0),
});

// The dashboard tells roles apart by token, so the two must differ (it checks the same).
const refined = schema.refine((e) => !e.AUTOML_DASHBOARD_ADMIN_TOKEN || e.AUTOML_DASHBOARD_ADMIN_TOKEN !== e.AUTOML_DASHBOARD_VIEWER_TOKEN, {
  path: ["AUTOML_DASHBOARD_VIEWER_TOKEN"],
  message: "must differ from AUTOML_DASHBOARD_ADMIN_TOKEN",
});

export type CliEnv = z.infer<typeof refined>;

/** All configuration of the command, from the environment; nothing else reads process.env. */
export function parseEnv(source: Record<string, string | undefined>): CliEnv {
  return parseEnvWith(refined, source);
}
