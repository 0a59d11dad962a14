import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcCall } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import type { Delivery, QueueConsumer } from "@automl/messaging";
import { CompleteTrialRequest, TrialStatus, type CompleteTrialReply, type CreateStudyReply, type StartTrialReply } from "@automl/proto";
import { collectInto, startTestStack, until, type TestStack } from "../../src/testing";

const available = await postgresAvailable();

/** Enqueued configurations (the ablation's variants) through the real coordinator and Postgres; the test plays the worker. */
describe.skipIf(!available)("enqueued trials", () => {
  let stack: TestStack<QueueConsumer>;
  const inbox: Delivery[] = [];

  beforeAll(async () => {
    stack = await startTestStack({
      queue: { memory: { ackWaitMs: 60_000, maxDeliver: 3 } },
      scheduler: { intervalMs: 100 },
      worker: collectInto(inbox, 8),
    });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  const create = (studyFile: string) => grpcCall<CreateStudyReply>((md, o, cb) => stack.coord.createStudy({ studyFile }, md, o, cb));
  const finish = async (trialId: string) => {
    const { lease } = await grpcCall<StartTrialReply>((md, o, cb) => stack.report.startTrial({ trialId, attempt: 1, workerId: "w" }, md, o, cb));
    const folds = [0, 1].map((fold) => ({ fold, score: 0.8, loss: 0.4, epochs: 3, metrics: { accuracy: 0.8 } }));
    await grpcCall<CompleteTrialReply>((md, o, cb) =>
      stack.report.completeTrial(CompleteTrialRequest.fromPartial({ trialId, attempt: 1, lease, status: TrialStatus.TRIAL_STATUS_COMPLETED, folds, cvMean: 0.8, cvStd: 0, paramCount: 10 }), md, o, cb),
    );
  };

  it("a study without a space runs exactly the listed configurations, in order, with their seeds and labels", async () => {
    const { study } = await create(`
name: variants
dataset: { builtin: xor, n: 60 }
task: binary
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { parallel: 3 }
seed: 11
trials:
  - { params: { widths: [8], activation: tanh, learningRate: 0.1, batchSize: 8, epochs: 3 }, label: base, trialSeed: 4242 }
  - { params: { widths: [8, 8], activation: tanh, learningRate: 0.1, batchSize: 8, epochs: 3 }, label: "depth+1", trialSeed: 4242 }
  - { params: { widths: [8], activation: relu, learningRate: 0.1, batchSize: 8, epochs: 3 }, label: "activation=relu" }
`);
    const studyId = study!.id;
    expect(study!.budgetTrials).toBe(3);
    const specs = await until(async () => {
      const mine = inbox.filter((d) => d.spec.studyId === studyId);
      return mine.length === 3 && mine.map((d) => d.spec).sort((a, b) => a.number - b.number);
    }, "three dispatches", 15_000);
    expect(specs.map((s) => s.widths)).toEqual([[8], [8, 8], [8]]);
    expect(specs.map((s) => s.activation)).toEqual(["tanh", "tanh", "relu"]);
    // Variants share the base's init seed when asked; the folds come from the study seed.
    expect(specs.map((s) => s.seed)).toEqual([11, 11, 11]);
    expect(specs[0]!.trialSeed).toBe(4242);
    expect(specs[1]!.trialSeed).toBe(4242);
    expect(specs[2]!.trialSeed).not.toBe(4242);
    const rows = await stack.db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" } });
    expect(rows.map((r) => (r.params as { label?: string }).label)).toEqual(["base", "depth+1", "activation=relu"]);

    for (const s of specs) await finish(s.trialId);
    const done = await until(async () => {
      const s = await stack.db.study.findUniqueOrThrow({ where: { id: studyId } });
      return s.status === "COMPLETED" && s;
    }, "study completed", 15_000);
    expect(done.status).toBe("COMPLETED");
    expect(await stack.db.trial.count({ where: { studyId } })).toBe(3);
  });

  it("with a space, enqueued configurations come first and the sampler fills the rest of the budget", async () => {
    const { study } = await create(`
name: warm-start
dataset: { builtin: xor, n: 60 }
task: binary
space: { depth: { int: [1, 3] }, width: { int: [2, 16] }, learningRate: 0.1, batchSize: 8, epochs: 2 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 3, parallel: 1 }
seed: 5
trials:
  - { params: { widths: [13, 3] }, label: mine }
`);
    const studyId = study!.id;
    for (let n = 0; n < 3; n++) {
      const d = await until(async () => inbox.find((x) => x.spec.studyId === studyId && x.spec.number === n), `trial ${n}`, 15_000);
      if (n === 0) expect(d.spec.widths).toEqual([13, 3]);
      await finish(d.spec.trialId);
    }
    await until(async () => (await stack.db.study.findUniqueOrThrow({ where: { id: studyId } })).status === "COMPLETED", "study completed", 15_000);
    const rows = await stack.db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" } });
    expect(rows.map((r) => r.number)).toEqual([0, 1, 2]);
    expect((rows[0]!.params as { label?: string }).label).toBe("mine");
    expect((rows[1]!.params as { label?: string }).label).toBeUndefined();
  });
});
