import { randomBytes } from "node:crypto";
import { applyMigrations } from "./migrate";
import { pgExecutor } from "./sql";

/**
 * A fresh, migrated database on the real Postgres for one test file, dropped afterwards.
 * `adminUrl` must point at a database the user may CREATE DATABASE from.
 */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `automl_test_${randomBytes(6).toString("hex")}`;
  const admin = await pgExecutor(adminUrl);
  try {
    await admin.exec(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.close();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = await pgExecutor(url);
  try {
    await applyMigrations(db);
  } finally {
    await db.close();
  }
  return {
    url,
    name,
    async drop() {
      const a = await pgExecutor(adminUrl);
      try {
        await a.exec(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.close();
      }
    },
  };
}

/** The admin URL of the Postgres that integration tests use. */
export const TEST_ADMIN_URL =
  process.env.AUTOML_TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * Whether the real Postgres answers. Under CI (CI=true) a missing service is a failure,
 * never a skip, so this throws there instead of returning false.
 */
export async function postgresAvailable(adminUrl = TEST_ADMIN_URL): Promise<boolean> {
  try {
    const db = await pgExecutor(adminUrl);
    await db.query("SELECT 1");
    await db.close();
    return true;
  } catch (err) {
    if (process.env.CI === "true") throw new Error(`Postgres is required under CI: ${(err as Error).message}`);
    return false;
  }
}
