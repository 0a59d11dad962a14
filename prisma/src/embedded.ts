import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { applyMigrations } from "./migrate";
import { seedFromTemplate, TEMPLATE_ROOT } from "./pgdata-template";
import { pgliteExecutor } from "./sql";

export interface EmbeddedPostgres {
  pglite: PGlite;
  /** An ordinary Postgres URL on loopback, for the dashboard and other processes. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Postgres in WASM with its data under `dataDir`, migrated, and served on 127.0.0.1
 * so that components that only know URLs can reach it. Loopback only, by design. A new
 * `dataDir` starts as a copy of the build's template when there is one for these migrations
 * (pgdata-template.ts; `templates`: where to look, false for none).
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; templates?: string | false }): Promise<EmbeddedPostgres> {
  if (opts.templates !== false) seedFromTemplate(opts.dataDir, opts.templates ?? TEMPLATE_ROOT);
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
