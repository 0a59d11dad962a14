import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { applyMigrations } from "./migrate";
import { pgliteExecutor } from "./sql";

export interface EmbeddedPostgres {
  pglite: PGlite;
  /** An ordinary Postgres URL on loopback, for the dashboard and other processes. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Postgres in WASM with its data under `dataDir`, migrated, and served on 127.0.0.1
 * so that components that only know URLs can reach it. Loopback only, by design.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number }): Promise<EmbeddedPostgres> {
  mkdirSync(opts.dataDir, { recursive: true });
  const pglite = await PGlite.create(opts.dataDir);
  await applyMigrations(pgliteExecutor(pglite));
  const server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: opts.port, maxConnections: 16 });
  await server.start();
  return {
    pglite,
    url: `postgresql://postgres@127.0.0.1:${opts.port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await pglite.close();
    },
  };
}
