import { parseArgs } from "node:util";
import { AppError, type Logger } from "@automl/common";
import { createDb } from "@automl/db";
import { createCredential, listCredentials, revokeCredential } from "@automl/coordinator";
import type { CliEnv } from "./env";
import { migrate } from "./stack";

/**
 * `automl token create|list|revoke`: role tokens for gRPC callers, straight in the database like
 * `migrate` and `importance` (the coordinators see a change within seconds). `create` prints the
 * secret alone on stdout, once (`automl token create --role worker > worker.token`); only its
 * SHA-256 is stored.
 */
export async function token(args: string[], env: CliEnv, log: Logger): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { role: { type: "string" }, name: { type: "string" } } });
  const [sub, arg] = positionals;
  if (sub !== "create" && sub !== "list" && sub !== "revoke") throw new AppError("INVALID_ARGUMENT", `token: unknown subcommand ${sub ?? "(none)"}; expected create, list or revoke`);
  if (sub === "create" && !values.role) throw new AppError("INVALID_ARGUMENT", "--role: required (worker, client or viewer)");
  if (sub === "revoke" && !arg) throw new AppError("INVALID_ARGUMENT", "token revoke: give the id or name of the token (see `automl token list`)");
  await migrate(env, log);
  const db = createDb(env.AUTOML_DATABASE_URL!);
  try {
    switch (sub) {
      case "create": {
        const c = await createCredential(db, values.role!, values.name);
        process.stderr.write(`created ${c.role} token ${c.name} (id ${c.id}); it is shown only now, give it to the caller as AUTOML_GRPC_TOKEN\n`);
        process.stdout.write(`${c.token}\n`);
        return 0;
      }
      case "list": {
        const rows = await listCredentials(db);
        const w = Math.max(4, ...rows.map((r) => r.name.length));
        process.stdout.write(`${"id".padEnd(36)}  ${"name".padEnd(w)}  role    created                   revoked\n`);
        for (const r of rows) process.stdout.write(`${r.id}  ${r.name.padEnd(w)}  ${r.role.padEnd(6)}  ${r.createdAt.toISOString()}  ${r.revokedAt?.toISOString() ?? "-"}\n`);
        return 0;
      }
      case "revoke": {
        const r = await revokeCredential(db, arg!);
        process.stdout.write(`revoked ${r.role} token ${r.name} (id ${r.id}) at ${r.revokedAt!.toISOString()}; coordinators refuse it within seconds\n`);
        return 0;
      }
    }
  } finally {
    await db.$disconnect();
  }
}
