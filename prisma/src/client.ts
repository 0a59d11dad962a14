import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { PGlite } from "@electric-sql/pglite";
import { PrismaClient } from "./generated/prisma/client";

export type Db = PrismaClient;

/** A Prisma client for a Postgres URL (distributed mode, the dashboard, tests). */
export function createDb(url: string, opts: { maxConnections?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: url, max: opts.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}

/** A Prisma client talking to an in-process PGlite (no socket hop). */
export function createPgliteDb(pglite: PGlite): Db {
  return new PrismaClient({ adapter: new PrismaPGlite(pglite) });
}
