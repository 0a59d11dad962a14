import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { paretoTrials } from "../../src/objectives";
import { processFixture } from "./processes";

const available = (await postgresAvailable()) && (await natsAvailable());

/**
 * Pruning and multi-objective search end to end: `automl coordinator` and an `automl worker`
 * training for real, on Postgres and JetStream.
 */
describe.skipIf(!available)("ASHA pruning and multi-objective studies through a real worker", () => {
  let fx: Awaited<ReturnType<typeof processFixture>>;

  beforeAll(async () => {
    fx = await processFixture();
    await fx.coordinator();
    fx.worker();
  });

  afterAll(async () => {
    await fx?.dispose();
  });

  it("ASHA answers PRUNE at a rung; the pruned trial keeps its rung and its fold-0 curve up to it", async () => {
    // Sequential trials with a known order: a good network first, then one that cannot learn in
    // 2 epochs (learning rate 1e-5), which must lose at rung 0 (epoch 2) to the first one.
    const studyId = await fx.createStudy(`
name: asha
dataset: { builtin: moons, n: 200, noise: 0.1 }
task: binary
space: { depth: 1, width: { int: [2, 16] }, activation: { choice: [tanh, relu] }, learningRate: { float: [0.00001, 0.5], log: true }, batchSize: 8, epochs: 6 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
pruner: { asha: { minEpochs: 2, reductionFactor: 3 } }
budget: { trials: 5, parallel: 1 }
seed: 4
trials:
  - { params: { widths: [16], activation: tanh, learningRate: 0.3, batchSize: 8, epochs: 6 }, label: good }
  - { params: { widths: [4], activation: sigmoid, learningRate: 0.00001, batchSize: 8, epochs: 6 }, label: hopeless }
`);
    expect(await fx.studyEnd(studyId)).toBe("COMPLETED");
    const trials = await fx.db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" }, include: { folds: true, epochs: { orderBy: [{ fold: "asc" }, { epoch: "asc" }] } } });
    expect(trials).toHaveLength(5);
    const [good, hopeless] = trials;

    // The first trial was alone at both rungs (epochs 2 and 6), so it ran in full: rung 1, every fold.
    expect(good!.status).toBe("COMPLETED");
    expect(good!.rung).toBe(1);
    expect(good!.folds).toHaveLength(2);
    expect(good!.epochs.filter((e) => e.fold === 1)).toHaveLength(6);

    // The hopeless one stopped at rung 0 after epoch 2 of fold 0: no fold results, its curve kept.
    expect(hopeless!.status).toBe("PRUNED");
    expect(hopeless!.rung).toBe(0);
    expect(hopeless!.cvMean).toBeNull();
    expect(hopeless!.folds).toHaveLength(0);
    expect(hopeless!.epochs.map((e) => [e.fold, e.epoch])).toEqual([[0, 1], [0, 2]]);
    const goodAt2 = good!.epochs.find((e) => e.fold === 0 && e.epoch === 2)!.validMetric;
    expect(hopeless!.epochs[1]!.validMetric).toBeLessThan(goodAt2);

    // Every pruned trial stopped in fold 0 exactly at a rung epoch, and reached that rung.
    for (const t of trials.filter((x) => x.status === "PRUNED")) {
      const last = t.epochs.at(-1)!;
      expect(t.epochs.every((e) => e.fold === 0)).toBe(true);
      expect([2, 6]).toContain(last.epoch);
      expect(t.rung).toBe(last.epoch === 2 ? 0 : 1);
    }
    for (const t of trials.filter((x) => x.status === "COMPLETED")) expect(t.rung).toBe(1);
  }, 300_000);

  it("a multi-objective study stores each trial's objective vector and the Pareto front follows from it", async () => {
    const studyId = await fx.createStudy(`
name: accuracy-vs-size
dataset: { builtin: moons, n: 200, noise: 0.1 }
task: binary
space: { depth: { int: [1, 2] }, width: { int: [2, 24] }, activation: tanh, learningRate: 0.2, batchSize: 8, epochs: 3 }
cv: { folds: 2 }
objectives: [{ metric: accuracy, direction: maximize }, { metric: params, direction: minimize }, { metric: logloss, direction: minimize }]
sampler: { tpe: { startupTrials: 3 } }
budget: { trials: 6, parallel: 2 }
seed: 8
`);
    expect(await fx.studyEnd(studyId)).toBe("COMPLETED");
    const study = await fx.db.study.findUniqueOrThrow({ where: { id: studyId } });
    expect([study.metric, study.direction]).toEqual(["accuracy", "maximize"]);
    const trials = await fx.db.trial.findMany({ where: { studyId, status: "COMPLETED" }, include: { folds: true } });
    expect(trials).toHaveLength(6);
    for (const t of trials) {
      const logloss = t.folds.reduce((a, f) => a + (f.metrics as Record<string, number>).logloss!, 0) / t.folds.length;
      expect(t.values).toHaveLength(3);
      expect(t.values[0]).toBe(t.cvMean);
      expect(t.values[1]).toBe(t.paramCount);
      expect(t.values[2]).toBeCloseTo(logloss, 12);
    }
    // The front, checked against the definition by brute force on the stored vectors.
    const objectives = [
      { metric: "accuracy", direction: "maximize" },
      { metric: "params", direction: "minimize" },
      { metric: "logloss", direction: "minimize" },
    ] as const;
    const front = new Set(paretoTrials(objectives, "accuracy", trials).map((t) => t.id));
    const better = (a: number[], b: number[]) => a[0]! >= b[0]! && a[1]! <= b[1]! && a[2]! <= b[2]! && (a[0]! > b[0]! || a[1]! < b[1]! || a[2]! < b[2]!);
    for (const t of trials) expect(front.has(t.id), `trial ${t.number}`).toBe(!trials.some((o) => better(o.values, t.values)));
    expect(front.size).toBeGreaterThan(0);
  }, 300_000);
});
