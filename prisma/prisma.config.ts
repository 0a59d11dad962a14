// Prisma 7 CLI configuration. Only `prisma generate` is used here (see README):
// migrations are SQL files applied by src/migrate.ts.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "schema.prisma",
  migrations: { path: "migrations" },
});
