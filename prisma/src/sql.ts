import pg from "pg";
import type { PGlite } from "@electric-sql/pglite";

/** The little SQL surface the migration runner and test fixtures need, over pg or PGlite. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export async function pgExecutor(url: string): Promise<SqlExecutor> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async query<R>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as R[];
    },
    async exec(sql) {
      await client.query(sql);
    },
    close: () => client.end(),
  };
}

export function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    async query<R>(sql: string, params: unknown[] = []) {
      return (await db.query<R>(sql, params)).rows;
    },
    async exec(sql) {
      await db.exec(sql);
    },
    // The caller owns the PGlite instance.
    close: async () => {},
  };
}
