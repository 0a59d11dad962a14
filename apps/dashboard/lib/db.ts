import "server-only";
import { createDb, type Db } from "@automl/db/client";
import { serverEnv } from "../env";

// One client (and pool) per process: Next may evaluate this module in several bundles, and
// dev-mode hot reloads re-run it, so the cache lives on globalThis.
const holder = globalThis as typeof globalThis & { __automlDashboardDb?: Db };

export function getDb(): Db {
  holder.__automlDashboardDb ??= createDb(serverEnv().AUTOML_DATABASE_URL, { maxConnections: 4 });
  return holder.__automlDashboardDb;
}
