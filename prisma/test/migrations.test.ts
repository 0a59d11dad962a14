import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import prismaInternals from "@prisma/internals";
import { applyMigrations, pgExecutor, type SqlExecutor } from "../src/index";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "../src/testing";

const { getDMMF } = prismaInternals;
const available = await postgresAvailable();

// Postgres type names (information_schema.udt_name) for Prisma's scalar types.
const PG_TYPE: Record<string, string> = {
  String: "text",
  Int: "int4",
  Float: "float8",
  Boolean: "bool",
  DateTime: "timestamp",
  Json: "jsonb",
  BigInt: "int8",
};

describe.skipIf(!available)("SQL migrations against schema.prisma", () => {
  let fixture: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: SqlExecutor;

  beforeAll(async () => {
    fixture = await createTestDatabase(TEST_ADMIN_URL);
    db = await pgExecutor(fixture.url);
  });
  afterAll(async () => {
    await db?.close();
    await fixture?.drop();
  });

  it("creates exactly the tables and columns the schema declares", async () => {
    const dmmf = await getDMMF({ datamodel: readFileSync(join(import.meta.dirname, "..", "schema.prisma"), "utf8") });
    const columns = await db.query<{ table_name: string; column_name: string; udt_name: string; is_nullable: string }>(
      `SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = new Map<string, Map<string, { type: string; nullable: boolean }>>();
    for (const c of columns) {
      const t = actual.get(c.table_name) ?? new Map();
      t.set(c.column_name, { type: c.udt_name, nullable: c.is_nullable === "YES" });
      actual.set(c.table_name, t);
    }
    const enumNames = new Set(dmmf.datamodel.enums.map((e) => e.name));
    expect([...actual.keys()].sort()).toEqual(dmmf.datamodel.models.map((m) => m.dbName ?? m.name).sort());
    for (const model of dmmf.datamodel.models) {
      const table = actual.get(model.dbName ?? model.name)!;
      const scalars = model.fields.filter((f) => f.kind !== "object");
      expect([...table.keys()].sort(), model.name).toEqual(scalars.map((f) => f.dbName ?? f.name).sort());
      for (const f of scalars) {
        const col = table.get(f.dbName ?? f.name)!;
        const base = enumNames.has(f.type) ? f.type : PG_TYPE[f.type];
        expect(col.type, `${model.name}.${f.name}`).toBe(f.isList ? `_${base}` : base);
        // Prisma lists are nullable columns in Postgres; everything else follows `?`.
        expect(col.nullable, `${model.name}.${f.name} nullable`).toBe(f.isList || !f.isRequired);
      }
    }
  });

  it("declares the schema's enums with the same values", async () => {
    const dmmf = await getDMMF({ datamodel: readFileSync(join(import.meta.dirname, "..", "schema.prisma"), "utf8") });
    for (const e of dmmf.datamodel.enums) {
      const rows = await db.query<{ v: string }>(
        `SELECT e.enumlabel AS v FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder`,
        [e.name],
      );
      expect(rows.map((r) => r.v)).toEqual(e.values.map((v) => v.name));
    }
  });

  it("records migrations as Prisma does and is idempotent", async () => {
    const rows = await db.query<{ migration_name: string; finished_at: Date | null; applied_steps_count: number }>(
      `SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations"`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
    expect(await applyMigrations(db)).toEqual([]);
  });
});
