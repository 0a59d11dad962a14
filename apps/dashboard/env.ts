import { z } from "zod";
import { grpcClientSecurity, withSecretFiles, type GrpcClientSecurity } from "@automl/common";

const token = z
  .string()
  .min(16, "must be at least 16 characters (it is the only secret guarding the dashboard)")
  .optional();

/**
 * The dashboard's configuration. Access (tokens) is a separate schema because the proxy checks
 * it on every request and must not depend on the database URL being valid.
 */
const accessSchema = z
  .object({
    AUTOML_DASHBOARD_ADMIN_TOKEN: token,
    AUTOML_DASHBOARD_VIEWER_TOKEN: token,
  })
  .refine((e) => !e.AUTOML_DASHBOARD_VIEWER_TOKEN || e.AUTOML_DASHBOARD_VIEWER_TOKEN !== e.AUTOML_DASHBOARD_ADMIN_TOKEN, {
    message: "must differ from AUTOML_DASHBOARD_ADMIN_TOKEN",
    path: ["AUTOML_DASHBOARD_VIEWER_TOKEN"],
  });

const schema = z.object({
  AUTOML_DATABASE_URL: z
    .string({ error: "required (a postgresql:// URL)" })
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
  /** host:port of the coordinator's gRPC API (CreateStudy / CancelStudy). */
  AUTOML_COORDINATOR_ADDR: z.string().regex(/^[^\s:]+:\d+$/, "must be host:port").default("127.0.0.1:50051"),
});

/** How the dashboard reaches the coordinator: its bearer token and TLS (docs/operations.md "Security"). */
const grpcSchema = z.object({
  AUTOML_GRPC_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  AUTOML_GRPC_TLS_CA: z.string().optional(),
  AUTOML_GRPC_TLS: z.stringbool().default(false),
  AUTOML_GRPC_TLS_CLIENT_CERT: z.string().optional(),
  AUTOML_GRPC_TLS_CLIENT_KEY: z.string().optional(),
});

export type AccessEnv = z.infer<typeof accessSchema>;
export type DashboardEnv = z.infer<typeof schema> & AccessEnv;

function check<T>(s: z.ZodType<T>, source: Record<string, string | undefined>): T {
  // Empty strings count as unset, as in a shell `VAR= next start`. Secrets may come from
  // <NAME>_FILE (e.g. AUTOML_DASHBOARD_ADMIN_TOKEN_FILE), as for every automl process.
  const cleaned = Object.fromEntries(Object.entries(withSecretFiles(source)).filter(([, v]) => v !== ""));
  const r = s.safeParse(cleaned);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`bad environment: ${detail}`);
  }
  return r.data;
}

export function parseAccessEnv(source: Record<string, string | undefined>): AccessEnv {
  return check(accessSchema, source);
}

export function parseEnv(source: Record<string, string | undefined>): DashboardEnv {
  return { ...check(schema, source), ...parseAccessEnv(source) };
}

let cached: DashboardEnv | undefined;
let cachedAccess: AccessEnv | undefined;

/** Parsed on first use, not at import, so `next build` runs without a database URL. */
export function serverEnv(): DashboardEnv {
  cached ??= parseEnv(process.env);
  return cached;
}

let cachedGrpc: GrpcClientSecurity | undefined;

/** gRPC credentials for the coordinator client; secrets may come from <NAME>_FILE. */
export function coordinatorSecurity(): GrpcClientSecurity {
  cachedGrpc ??= grpcClientSecurity(check(grpcSchema, process.env));
  return cachedGrpc;
}

/** The token settings alone (for the proxy and the login action). */
export function accessEnv(): AccessEnv {
  cachedAccess ??= parseAccessEnv(process.env);
  return cachedAccess;
}
