export { createDb, createPgliteDb, type Db } from "./client";
export { applyMigrations, listMigrations, MIGRATIONS_DIR, type Migration } from "./migrate";
export { pgExecutor, pgliteExecutor, type SqlExecutor } from "./sql";
export { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded";
export { Prisma, TrialStatus, StudyStatus } from "./generated/prisma/client";
export type { Study, Trial, FoldResult, EpochMetric, Worker } from "./generated/prisma/client";
