import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, unpackSurface } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { startTestStack, type TestStack } from "@automl/coordinator/testing";
import { startWorker, type RunningWorker } from "@automl/worker";

const available = await postgresAvailable();
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), "golden", "recorded-rows.json");

/**
 * One trial at a time (parallel 1, one slot), so ASHA's decisions see the same earlier trials
 * whatever the timing; learning rates up to 30 make some trials diverge. Every kind of row the
 * reporting path writes appears: curves with diagnostics, fold rows, surfaces, rungs, PRUNED and
 * DIVERGED outcomes. The js backend: the golden is exact, and native differs in float32 rounding.
 */
const STUDY = `
name: recorded-rows
dataset: { builtin: xor, n: 120, noise: 0.3 }
task: binary
space:
  depth: { int: [1, 2] }
  width: { int: [2, 8], perLayer: true }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.01, 30.0], log: true }
  batchSize: { choice: [8, 16] }
  epochs: 9
cv: { folds: 3, stratified: true }
objective: { metric: accuracy, direction: maximize }
sampler: random
pruner: { asha: { minEpochs: 1, reductionFactor: 3 } }
budget: { trials: 8, parallel: 1 }
seed: 11
`;

/** Every recorded field of the study's trials, apart from ids, timestamps, the worker's name and the attempt's (random) lease. */
async function recordedRows(stack: TestStack, studyId: string) {
  const trials = await stack.db.trial.findMany({
    where: { studyId },
    include: { folds: { orderBy: { fold: "asc" } }, epochs: { orderBy: [{ fold: "asc" }, { epoch: "asc" }] } },
    orderBy: { number: "asc" },
  });
  return trials.map(({ id: _id, studyId: _s, workerId: _w, createdAt: _c, startedAt: _st, finishedAt: _f, heartbeatAt: _h, leaseHash: _l, folds, epochs, surface, ...trial }) => ({
    ...trial,
    // Stored packed since the golden was taken (base64 instead of JSON number arrays): compared
    // as the arrays it holds, so every value and region index must still be the same.
    surface: surface === null ? null : unpackSurface(surface),
    folds: folds.map(({ id: _i, trialId: _t, ...f }) => f),
    epochs: epochs.map(({ id: _i, trialId: _t, ...e }) => e),
  }));
}

/**
 * The rows a seeded study records, field by field, against a golden taken from the per-epoch
 * reporting path before reports were batched (regenerate only on purpose:
 * AUTOML_UPDATE_GOLDEN=1 npx vitest run apps/cli/test/integration/recorded-rows.test.ts).
 */
describe.skipIf(!available)("recorded rows: the same study writes the same rows", () => {
  let stack: TestStack<RunningWorker>;

  beforeAll(async () => {
    stack = await startTestStack({
      queue: { memory: { ackWaitMs: 10_000, maxDeliver: 3 } },
      scheduler: { intervalMs: 100 },
      worker: (s) => startWorker({ queue: s.queue, coordinator: s.coordinator.address, pool: "cpu", log: silentLogger(), concurrency: 1, heartbeatMs: 1_000, backend: "js" }),
    });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it("matches the golden rows of the per-epoch path", async () => {
    const { id, status } = await stack.runToEnd(STUDY, { timeoutMs: 90_000 });
    expect(status).toBe("COMPLETED");
    const rows = await recordedRows(stack, id);
    // The study exercises what it claims to: otherwise the comparison below would prove little.
    const statuses = new Set(rows.map((t) => t.status));
    expect(statuses).toContain("COMPLETED");
    expect(statuses).toContain("PRUNED");
    expect(rows.some((t) => t.epochs.some((e) => e.diagnostics !== null))).toBe(true);
    const json = JSON.parse(JSON.stringify(rows)) as unknown;
    if (process.env.AUTOML_UPDATE_GOLDEN === "1" || !existsSync(GOLDEN)) {
      if (process.env.AUTOML_UPDATE_GOLDEN !== "1") throw new Error(`golden ${GOLDEN} missing; write it with AUTOML_UPDATE_GOLDEN=1`);
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, JSON.stringify(json, null, 1) + "\n");
    }
    const golden = JSON.parse(readFileSync(GOLDEN, "utf8")) as typeof rows;
    expect(json).toHaveLength(golden.length);
    (json as typeof rows).forEach((t, i) => expect(t, `trial #${i}`).toEqual(golden[i]));
  });
});
