import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, listMigrations, MIGRATIONS_DIR, pgliteExecutor, startEmbeddedPostgres } from "../src/index";
import { buildTemplate, seedFromTemplate, templateKey, templatePath } from "../src/pgdata-template";

/** The public tables and columns of a database, and the migrations it has recorded. */
async function schemaOf(pg: PGlite): Promise<{ columns: string[]; migrations: string[] }> {
  const columns = await pg.query<{ c: string }>(
    `SELECT table_name || '.' || column_name || ':' || udt_name AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`,
  );
  const migrations = await pg.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY 1`);
  return { columns: columns.rows.map((r) => r.c), migrations: migrations.rows.map((r) => r.migration_name) };
}

describe("the embedded database's data-directory template", () => {
  const dir = mkdtempSync(join(tmpdir(), "automl-pgdata-template-"));
  const root = join(dir, "templates");

  beforeAll(async () => {
    mkdirSync(join(root, "0123456789abcdef"), { recursive: true }); // a stale template of another key
    expect(await buildTemplate(root)).toEqual({ path: templatePath(root), built: true });
  }, 120_000);

  it("is built once per key; templates of other keys are removed", async () => {
    expect(readdirSync(root)).toEqual([templateKey()]);
    expect(await buildTemplate(root)).toEqual({ path: templatePath(root), built: false });
  });

  it("starts a new database with the schema and migration records of a fresh initdb + migrations", async () => {
    const seeded = join(dir, "seeded");
    expect(seedFromTemplate(seeded, root)).toBe(true);
    const fromTemplate = await PGlite.create(seeded);
    // Nothing left to apply: every migration is recorded in the copy.
    expect(await applyMigrations(pgliteExecutor(fromTemplate))).toEqual([]);
    const fresh = await PGlite.create(join(dir, "fresh"));
    expect(await applyMigrations(pgliteExecutor(fresh))).toEqual(listMigrations().map((m) => m.name));
    const want = await schemaOf(fresh);
    expect(want.columns.length).toBeGreaterThan(20);
    expect(await schemaOf(fromTemplate)).toEqual(want);
    // The copy is a database of its own: writing to it leaves the template as it was.
    await fromTemplate.exec(`CREATE TABLE only_in_the_copy (x int)`);
    await fromTemplate.close();
    await fresh.close();
    const again = join(dir, "again");
    expect(seedFromTemplate(again, root)).toBe(true);
    const reopened = await PGlite.create(again);
    expect((await reopened.query(`SELECT to_regclass('only_in_the_copy') AS t`)).rows).toEqual([{ t: null }]);
    await reopened.close();
  }, 120_000);

  it("never touches a directory that holds anything, nor uses a template of other migrations", () => {
    const used = join(dir, "used");
    mkdirSync(used);
    writeFileSync(join(used, "something"), "");
    expect(seedFromTemplate(used, root)).toBe(false);
    expect(readdirSync(used)).toEqual(["something"]);

    // One more migration than the template was made with: another key, so no template.
    const migrations = join(dir, "migrations");
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    mkdirSync(join(migrations, "29991231000000_later"));
    writeFileSync(join(migrations, "29991231000000_later", "migration.sql"), "CREATE TABLE later (x int);");
    expect(templateKey(migrations)).not.toBe(templateKey());
    expect(seedFromTemplate(join(dir, "other"), root, migrations)).toBe(false);
    expect(existsSync(join(dir, "other"))).toBe(false);
  });

  it("is what startEmbeddedPostgres starts a new data directory from", async () => {
    // A file only the template has shows the copy was made (rather than a fresh initdb).
    writeFileSync(join(templatePath(root), "from-the-template"), "");
    const dataDir = join(dir, "embedded");
    const pg = await startEmbeddedPostgres({ dataDir, port: 0, templates: root });
    try {
      expect(readdirSync(dataDir)).toContain("from-the-template");
      expect((await schemaOf(pg.pglite)).migrations).toEqual(listMigrations().map((m) => m.name));
    } finally {
      await pg.stop();
    }
  }, 120_000);
});
