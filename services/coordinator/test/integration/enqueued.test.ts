import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials } from "@grpc/grpc-js";
import { grpcCall, silentLogger } from "@automl/common";
import { createDb, type Db } from "@automl/db";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { MemoryQueue, type Delivery, type QueueConsumer } from "@automl/messaging";
import { CompleteTrialRequest, CoordinatorClient, TrialReportingClient, TrialStatus, type CompleteTrialReply, type CreateStudyReply, type StartTrialReply } from "@automl/proto";
import { startCoordinator, type RunningCoordinator } from "../../src/index";

const available = await postgresAvailable();

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Enqueued configurations (the ablation's variants) through the real coordinator and Postgres; the test plays the worker. */
describe.skipIf(!available)("enqueued trials", () => {
  let fixture: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let queue: MemoryQueue;
  let coordinator: RunningCoordinator;
  let consumer: QueueConsumer;
  let coord: CoordinatorClient;
  let report: TrialReportingClient;
  const inbox: Delivery[] = [];

  beforeAll(async () => {
    fixture = await createTestDatabase(TEST_ADMIN_URL);
    db = createDb(fixture.url);
    queue = new MemoryQueue(silentLogger(), { ackWaitMs: 60_000, maxDeliver: 3 });
    coordinator = await startCoordinator({ db, queue, log: silentLogger(), listen: "127.0.0.1:0", scheduler: { intervalMs: 100 } });
    coord = new CoordinatorClient(coordinator.address, credentials.createInsecure());
    report = new TrialReportingClient(coordinator.address, credentials.createInsecure());
    consumer = await queue.consume("cpu", async (d) => {
      inbox.push(d);
      await d.ack();
    }, { concurrency: 8 });
  });

  afterAll(async () => {
    await consumer?.stop();
    coord?.close();
    report?.close();
    await coordinator?.stop();
    await queue?.close();
    await db?.$disconnect();
    await fixture?.drop();
  });

  const create = (studyFile: string) => grpcCall<CreateStudyReply>((md, o, cb) => coord.createStudy({ studyFile }, md, o, cb));
  const finish = async (trialId: string) => {
    await grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId, attempt: 1, workerId: "w" }, md, o, cb));
    const folds = [0, 1].map((fold) => ({ fold, score: 0.8, loss: 0.4, epochs: 3, metrics: { accuracy: 0.8 } }));
    await grpcCall<CompleteTrialReply>((md, o, cb) =>
      report.completeTrial(CompleteTrialRequest.fromPartial({ trialId, attempt: 1, status: TrialStatus.TRIAL_STATUS_COMPLETED, folds, cvMean: 0.8, cvStd: 0, paramCount: 10 }), md, o, cb),
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
    }, "three dispatches");
    expect(specs.map((s) => s.widths)).toEqual([[8], [8, 8], [8]]);
    expect(specs.map((s) => s.activation)).toEqual(["tanh", "tanh", "relu"]);
    // Variants share the base's init seed when asked; the folds come from the study seed.
    expect(specs.map((s) => s.seed)).toEqual([11, 11, 11]);
    expect(specs[0]!.trialSeed).toBe(4242);
    expect(specs[1]!.trialSeed).toBe(4242);
    expect(specs[2]!.trialSeed).not.toBe(4242);
    const rows = await db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" } });
    expect(rows.map((r) => (r.params as { label?: string }).label)).toEqual(["base", "depth+1", "activation=relu"]);

    for (const s of specs) await finish(s.trialId);
    const done = await until(async () => {
      const s = await db.study.findUniqueOrThrow({ where: { id: studyId } });
      return s.status === "COMPLETED" && s;
    }, "study completed");
    expect(done.status).toBe("COMPLETED");
    expect(await db.trial.count({ where: { studyId } })).toBe(3);
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
      const d = await until(async () => inbox.find((x) => x.spec.studyId === studyId && x.spec.number === n), `trial ${n}`);
      if (n === 0) expect(d.spec.widths).toEqual([13, 3]);
      await finish(d.spec.trialId);
    }
    await until(async () => (await db.study.findUniqueOrThrow({ where: { id: studyId } })).status === "COMPLETED", "study completed");
    const rows = await db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" } });
    expect(rows.map((r) => r.number)).toEqual([0, 1, 2]);
    expect((rows[0]!.params as { label?: string }).label).toBe("mine");
    expect((rows[1]!.params as { label?: string }).label).toBeUndefined();
  });
});
