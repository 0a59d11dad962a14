import { z } from "zod";
import { commonEnvShape, parseEnvWith } from "@automl/common";

const schema = z.object({
  ...commonEnvShape,
  AUTOML_GRPC_LISTEN: z.string().default("127.0.0.1:50051"),
  AUTOML_ACK_WAIT_MS: z.coerce.number().int().min(1_000).default(30_000),
  AUTOML_MAX_DELIVER: z.coerce.number().int().min(1).default(3),
  /** Scheduler lease of the coordinator: a standby takes over this long after the last renewal of the leader. */
  AUTOML_LEADER_LEASE_MS: z.coerce.number().int().min(1_000).max(300_000).default(5_000),
});

export type CoordinatorEnv = z.infer<typeof schema>;

/** The coordinator's configuration; only the CLI wiring calls this. */
export function parseEnv(source: Record<string, string | undefined>): CoordinatorEnv {
  return parseEnvWith(schema, source);
}
