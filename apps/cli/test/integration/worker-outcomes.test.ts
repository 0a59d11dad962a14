import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, unpackSurface } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { startTestStack, type TestStack } from "@automl/coordinator/testing";
import { startWorker, type RunningWorker } from "@automl/worker";
import { loadNative } from "@automl/nn-native";

const available = await postgresAvailable();

const studyFile = (name: string, learningRate: string, epochs: number) => `
name: ${name}
dataset: { builtin: spirals, n: 150, classes: 3, noise: 0.05 }
task: multiclass
space: { depth: 2, width: 16, activation: relu, learningRate: ${learningRate}, batchSize: 16, epochs: ${epochs} }
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 2, parallel: 2 }
seed: 9
`;

/** The worker in-process against a real coordinator and Postgres (the embedded stack's wiring). */
describe.skipIf(!available)("worker: training outcomes reported over gRPC", () => {
  let stack: TestStack<RunningWorker>;

  beforeAll(async () => {
    stack = await startTestStack({
      queue: { memory: { ackWaitMs: 5_000, maxDeliver: 3 } },
      scheduler: { intervalMs: 200 },
      worker: (s) => startWorker({ queue: s.queue, coordinator: s.coordinator.address, pool: "cpu", log: silentLogger(), concurrency: 2, heartbeatMs: 500 }),
    });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  async function runToEnd(text: string) {
    const { id } = await stack.runToEnd(text, { timeoutMs: 60_000 });
    return stack.db.trial.findMany({ where: { studyId: id }, include: { folds: true, epochs: true }, orderBy: { number: "asc" } });
  }

  it("records a diverging trial as DIVERGED with the fold and epoch, not as a crash", async () => {
    const trials = await runToEnd(studyFile("diverge", "1.0e5", 20));
    expect(trials).toHaveLength(2);
    for (const t of trials) {
      expect(t.status).toBe("DIVERGED");
      expect(t.divergedEpoch).toBeGreaterThanOrEqual(1);
      expect(t.divergedFold).toBe(0);
      expect(t.cvMean).toBeNull();
      expect(t.folds).toHaveLength(0);
      expect(t.error).toBeNull();
      expect(t.paramCount).toBe(2 * 16 + 16 + 16 * 16 + 16 + 16 * 3 + 3);
    }
  });

  it("runs every hidden unit, per layer, and the K−1 output variant", async () => {
    const trials = await runToEnd(`
name: units
dataset: { builtin: spirals, n: 150, classes: 3, noise: 0.05 }
task: multiclass
space:
  depth: 3
  width: 8
  activation: { choice: [relu, leaky_relu, abs, prelu, maxout, sigmoid, tanh], perLayer: true }
  output: { choice: [softmax, softmax_km1] }
  maxoutPieces: 3
  learningRate: 0.05
  momentum: 0.5
  batchSize: 16
  epochs: 5
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 6, parallel: 2 }
seed: 4
`);
    expect(trials.map((t) => t.status)).toEqual(Array(6).fill("COMPLETED"));
    // Per-layer wiring shows up as "a/b/c"; both output units were drawn.
    expect(trials.some((t) => t.activation.includes("/"))).toBe(true);
    expect(new Set(trials.map((t) => t.output))).toEqual(new Set(["softmax", "softmax_km1"]));
  });

  it("records completed multiclass trials with fold scores, learning curves and the backend", async () => {
    const trials = await runToEnd(studyFile("spirals", "0.1", 15));
    for (const t of trials) {
      expect(t.status).toBe("COMPLETED");
      // auto's choice for 2-16-16-3 at batch 16 (5.4k multiply-adds per step): native where it is built.
      expect(t.backend).toBe(loadNative().backend ? "native" : "js");
      expect(t.folds.map((f) => f.epochs)).toEqual([15, 15, 15]);
      expect(t.epochs).toHaveLength(3 * 15);
      // The last epoch's held-out metric of each fold is the fold's score.
      for (const f of t.folds) {
        const last = t.epochs.find((e) => e.fold === f.fold && e.epoch === 15)!;
        expect(last.validMetric).toBeCloseTo(f.score, 12);
      }
      expect(t.cvMean).toBeGreaterThan(1 / 3); // better than chance on 3 classes
      // Diagnostics per epoch: one gradient norm and weight norm per weight layer, dead fractions per hidden layer.
      for (const e of t.epochs) {
        const d = e.diagnostics as { gradNorms: number[]; weightNorms: number[]; deadFraction: (number | null)[] };
        expect(d.gradNorms).toHaveLength(3);
        expect(d.weightNorms).toHaveLength(3);
        expect(d.deadFraction).toHaveLength(2);
        expect(d.gradNorms.every((g) => g > 0 && Number.isFinite(g))).toBe(true);
      }
      // 2-D inputs: the decision surface and its activation-region count.
      const surface = unpackSurface(t.surface)!;
      expect(surface.values).toHaveLength(surface.grid * surface.grid);
      expect(surface.regions).toBeGreaterThan(1);
      expect(Object.keys(t.folds[0]!.metrics as object).sort()).toEqual(["accuracy", "logloss"]);
    }
    // Same configuration, different trial seeds: different initialisations, paired folds.
    expect(trials[0]!.folds.map((f) => f.score)).not.toEqual(trials[1]!.folds.map((f) => f.score));
  });
});
