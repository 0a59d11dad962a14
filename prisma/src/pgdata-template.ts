// A migrated, cleanly shut down PGlite data directory made once at build time (`npm run build`,
// scripts/pgdata-template.ts), copied into a new embedded database instead of running initdb and
// every migration there: a first `automl run` in a fresh AUTOML_HOME starts its database in about
// 0.3 s instead of about 3 s. Postgres in WASM has the same data layout on every machine, so the
// template is portable; its name carries a key of the PGlite version and the migrations, and a
// template of another key is never used (the database is then made the slow way, as before).

import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { applyMigrations, listMigrations, MIGRATIONS_DIR } from "./migrate";
import { pgliteExecutor } from "./sql";

/** Where the build puts templates (gitignored). */
export const TEMPLATE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", ".pgdata-template");

/** The installed PGlite's version (its package.json is not among its exports, so found by path). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "@electric-sql/pglite" && pkg.version) return pkg.version;
  }
  throw new Error("@electric-sql/pglite: package.json not found");
}

/** The PGlite version and every migration's name and checksum, hashed: what the template holds. */
export function templateKey(migrationsDir = MIGRATIONS_DIR): string {
  const h = createHash("sha256").update(`pglite ${pgliteVersion()}\n`);
  for (const m of listMigrations(migrationsDir)) h.update(`${m.name} ${m.checksum}\n`);
  return h.digest("hex").slice(0, 16);
}

/** The template directory of the current key under `root` (it may not exist). */
export function templatePath(root = TEMPLATE_ROOT, migrationsDir = MIGRATIONS_DIR): string {
  return join(root, templateKey(migrationsDir));
}

/**
 * Makes the template of the current key under `root` unless it is there, and removes templates of
 * other keys. Built beside the final name and renamed into place, so a reader never sees half of one.
 */
export async function buildTemplate(root = TEMPLATE_ROOT, migrationsDir = MIGRATIONS_DIR): Promise<{ path: string; built: boolean }> {
  const key = templateKey(migrationsDir);
  const path = join(root, key);
  mkdirSync(root, { recursive: true });
  for (const old of readdirSync(root)) if (old !== key) rmSync(join(root, old), { recursive: true, force: true });
  if (existsSync(path)) return { path, built: false };
  const tmp = join(root, `.${key}.${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const pg = await PGlite.create(tmp);
  try {
    await applyMigrations(pgliteExecutor(pg), migrationsDir);
  } finally {
    await pg.close(); // a clean shutdown: the copy needs no recovery
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(path)) throw err; // another build won the race otherwise
  }
  return { path, built: true };
}

/**
 * Fills a new data directory (missing or empty) from the template of the current key; false when
 * there is none or the directory already holds a database.
 */
export function seedFromTemplate(dataDir: string, root = TEMPLATE_ROOT, migrationsDir = MIGRATIONS_DIR): boolean {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) return false;
  const template = templatePath(root, migrationsDir);
  if (!existsSync(join(template, "PG_VERSION"))) return false;
  cpSync(template, dataDir, { recursive: true });
  return true;
}
