import { z } from "zod";

/** The dashboard's configuration. Only lib/db.ts calls serverEnv(), at request time. */
const schema = z.object({
  AUTOML_DATABASE_URL: z
    .string({ error: "required (a postgresql:// URL)" })
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
});

export type DashboardEnv = z.infer<typeof schema>;

export function parseEnv(source: Record<string, string | undefined>): DashboardEnv {
  const r = schema.safeParse(source);
  if (!r.success) {
    const detail = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`bad environment: ${detail}`);
  }
  return r.data;
}

let cached: DashboardEnv | undefined;

/** Parsed on first use, not at import, so `next build` runs without a database URL. */
export function serverEnv(): DashboardEnv {
  cached ??= parseEnv(process.env);
  return cached;
}
