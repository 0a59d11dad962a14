import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials } from "@grpc/grpc-js";
import { AppError, grpcCall, silentLogger } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { JetStreamQueue, type Delivery, type QueueConsumer } from "@automl/messaging";
import { natsAvailable, TEST_NATS_URL, uniqueStreamNames } from "@automl/messaging/testing";
import {
  EpochAction,
  TrialReportingClient,
  TrialStatus,
  type CancelStudyReply,
  CompleteTrialRequest,
  type CompleteTrialReply,
  type CreateStudyReply,
  type FailTrialReply,
  type ReportEpochReply,
  type StartTrialReply,
} from "@automl/proto";
import { startCoordinator } from "../../src/index";
import { collectInto, startTestStack, until, type TestStack } from "../../src/testing";

const available = (await postgresAvailable()) && (await natsAvailable());

const studyFile = (name: string, trials: number, parallel: number) => `
name: ${name}
dataset: { builtin: xor, n: 60 }
task: binary
space: { depth: { int: [1, 2] }, width: { int: [2, 8] }, learningRate: 0.1, batchSize: 8, epochs: 2 }
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: ${trials}, parallel: ${parallel} }
seed: 3
`;

/**
 * The coordinator against the real Postgres and JetStream, with the test playing the worker over
 * gRPC: dispatch within `parallel`, idempotent reporting, outcomes, cancellation and resume.
 */
describe.skipIf(!available)("coordinator reporting and scheduling (real Postgres, JetStream, gRPC)", () => {
  let stack: TestStack<QueueConsumer, JetStreamQueue>;
  const inbox: Delivery[] = [];

  // The lease of each trial's latest start: reports present it unless a test passes another.
  const leases = new Map<string, string>();
  const complete = (req: Partial<CompleteTrialRequest> & { trialId: string }) =>
    grpcCall<CompleteTrialReply>((md, o, cb) =>
      stack.report.completeTrial(CompleteTrialRequest.fromPartial({ attempt: 1, status: TrialStatus.TRIAL_STATUS_COMPLETED, backend: "test", lease: leases.get(req.trialId), ...req }), md, o, cb),
    );
  const start = async (trialId: string, attempt = 1) => {
    const reply = await grpcCall<StartTrialReply>((md, o, cb) => stack.report.startTrial({ trialId, attempt, workerId: "w-test" }, md, o, cb));
    if (reply.lease) leases.set(trialId, reply.lease);
    return reply;
  };
  const epoch = (trialId: string, e: number, attempt = 1, lease = leases.get(trialId) ?? "") =>
    grpcCall<ReportEpochReply>((md, o, cb) => stack.report.reportEpoch({ trialId, attempt, lease, metrics: { fold: 0, epoch: e, trainLoss: 0.5, validLoss: 0.6, validMetric: 0.7, diagnosticsJson: '{"gradNorms":[0.1,0.2]}' } }, md, o, cb));
  const create = (text: string) => grpcCall<CreateStudyReply>((md, o, cb) => stack.coord.createStudy({ studyFile: text }, md, o, cb));
  const folds3 = [0, 1, 2].map((fold) => ({ fold, score: 0.9 + fold * 0.01, loss: 0.3, epochs: 2, metrics: { accuracy: 0.9 + fold * 0.01, logloss: 0.3 } }));

  beforeAll(async () => {
    stack = await startTestStack({
      queue: { jetstream: {} },
      scheduler: { intervalMs: 200 },
      // The test's own "worker": it only collects deliveries and acks them.
      worker: collectInto(inbox, 4),
    });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it("rejects a bad study file with INVALID_ARGUMENT naming the field", async () => {
    const err = await create(studyFile("bad", 0, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("INVALID_ARGUMENT");
    expect((err as AppError).message).toContain("budget.trials");
  });

  it("dispatches at most `parallel` trials, records outcomes once, and completes the study", async () => {
    const { study } = await create(studyFile("flow", 3, 2));
    const studyId = study!.id;
    const first = await until(async () => inbox.filter((d) => d.spec.studyId === studyId).length >= 2 && inbox.filter((d) => d.spec.studyId === studyId), "two dispatches", 10_000);
    await new Promise((r) => setTimeout(r, 600)); // a few scheduler passes: still only `parallel` in flight
    expect(await stack.db.trial.count({ where: { studyId } })).toBe(2);
    const [a, b] = first as [Delivery, Delivery];
    expect(a.spec.folds).toBe(3);
    expect(a.spec.seed).toBe(3);
    expect(a.spec.trialSeed).not.toBe(b.spec.trialSeed);

    // Trial a: runs, reports an epoch, completes; then a redelivered duplicate completes again.
    expect((await start(a.spec.trialId)).proceed).toBe(true);
    expect((await epoch(a.spec.trialId, 1)).action).toBe(EpochAction.EPOCH_ACTION_CONTINUE);
    const outcome = { trialId: a.spec.trialId, folds: folds3, cvMean: 0.91, cvStd: 0.01, paramCount: 17 };
    expect((await complete(outcome)).alreadyRecorded).toBe(false);
    expect((await complete({ ...outcome, attempt: 2, cvMean: 0.5 })).alreadyRecorded).toBe(true);
    const ta = await stack.db.trial.findUniqueOrThrow({ where: { id: a.spec.trialId }, include: { folds: true, epochs: true } });
    expect(ta.status).toBe("COMPLETED");
    expect(ta.cvMean).toBe(0.91);
    expect(ta.folds).toHaveLength(3);
    expect(ta.epochs.map((e) => [e.fold, e.epoch, e.validMetric, e.diagnostics])).toEqual([[0, 1, 0.7, { gradNorms: [0.1, 0.2] }]]);
    expect(ta.folds.find((f) => f.fold === 2)!.metrics).toEqual({ accuracy: 0.92, logloss: 0.3 });
    // A late redelivery of a settled trial is told not to train.
    expect(await start(a.spec.trialId, 2)).toMatchObject({ proceed: false, status: TrialStatus.TRIAL_STATUS_COMPLETED });

    // A COMPLETED report with the wrong number of folds is rejected and changes nothing.
    const bad = await complete({ trialId: b.spec.trialId, folds: folds3.slice(0, 2), cvMean: 0.9 }).catch((e: unknown) => e);
    expect((bad as AppError).code).toBe("INVALID_ARGUMENT");
    expect((bad as AppError).message).toContain("folds");

    // Trial b diverges; the third trial (dispatched once a slot freed) fails.
    expect((await start(b.spec.trialId)).proceed).toBe(true);
    await complete({ trialId: b.spec.trialId, status: TrialStatus.TRIAL_STATUS_DIVERGED, folds: [], cvMean: Number.NaN, cvStd: Number.NaN, divergedFold: 1, divergedEpoch: 7 });
    const c = await until(async () => inbox.find((d) => d.spec.studyId === studyId && d.spec.number === 2), "the third dispatch", 10_000);
    await start(c.spec.trialId);
    await grpcCall<FailTrialReply>((md, o, cb) => stack.report.failTrial({ trialId: c.spec.trialId, attempt: 1, lease: leases.get(c.spec.trialId)!, reason: "out of memory" }, md, o, cb));

    const statuses = Object.fromEntries((await stack.db.trial.findMany({ where: { studyId } })).map((t) => [t.number, [t.status, t.divergedEpoch, t.error]]));
    expect(statuses).toEqual({ 0: ["COMPLETED", null, null], 1: ["DIVERGED", 7, null], 2: ["FAILED", null, "out of memory"] });
    await until(async () => (await stack.db.study.findUniqueOrThrow({ where: { id: studyId } })).status === "COMPLETED", "study completion", 10_000);
    expect(await stack.db.trial.count({ where: { studyId } })).toBe(3);
    expect(await stack.db.foldResult.count({ where: { trial: { studyId } } })).toBe(3);
  });

  it("numbers attempts itself and never records a stale attempt's outcome over a newer one", async () => {
    const { study } = await create(studyFile("stale", 1, 1));
    const [d] = (await until(async () => inbox.filter((x) => x.spec.studyId === study!.id).length >= 1 && inbox.filter((x) => x.spec.studyId === study!.id), "dispatch", 10_000)) as Delivery[];
    const first = await start(d!.spec.trialId, 1);
    // The first worker is cut off; the queue redelivers and another worker starts the trial again.
    const second = await start(d!.spec.trialId, 2);
    expect([first.attempt, second.attempt]).toEqual([1, 2]);
    // The first worker comes back: its lease is the older attempt's, so its reports are refused.
    const refused = (p: Promise<unknown>) => p.then(() => "accepted", (e: unknown) => (e as AppError).code);
    expect(await refused(epoch(d!.spec.trialId, 3, 1, first.lease))).toBe("PERMISSION_DENIED");
    expect(await refused(complete({ trialId: d!.spec.trialId, attempt: 1, lease: first.lease, status: TrialStatus.TRIAL_STATUS_CANCELLED }))).toBe("PERMISSION_DENIED");
    expect((await stack.db.trial.findUniqueOrThrow({ where: { id: d!.spec.trialId } })).status).toBe("RUNNING");
    // The current attempt's result is the one recorded.
    expect((await complete({ trialId: d!.spec.trialId, attempt: 2, folds: folds3, cvMean: 0.91, cvStd: 0.01, paramCount: 5 })).alreadyRecorded).toBe(false);
    const t = await stack.db.trial.findUniqueOrThrow({ where: { id: d!.spec.trialId } });
    expect([t.status, t.attempt, t.cvMean]).toEqual(["COMPLETED", 2, 0.91]);
  });

  it("cancels: queued trials become CANCELLED, running ones are told to stop, no new ones start", async () => {
    const { study } = await create(studyFile("cancel-me", 10, 2));
    const studyId = study!.id;
    const [r] = (await until(async () => inbox.filter((d) => d.spec.studyId === studyId).length >= 2 && inbox.filter((d) => d.spec.studyId === studyId), "dispatch", 10_000)) as Delivery[];
    await start(r!.spec.trialId);
    await grpcCall<CancelStudyReply>((md, o, cb) => stack.coord.cancelStudy({ studyId }, md, o, cb));
    expect((await epoch(r!.spec.trialId, 1)).action).toBe(EpochAction.EPOCH_ACTION_CANCEL);
    await complete({ trialId: r!.spec.trialId, status: TrialStatus.TRIAL_STATUS_CANCELLED });
    await new Promise((res) => setTimeout(res, 600));
    const trials = await stack.db.trial.findMany({ where: { studyId } });
    expect(trials).toHaveLength(2);
    expect(trials.every((t) => t.status === "CANCELLED")).toBe(true);
  });

  it("resumes after a restart: re-dispatches queued trials and finishes the budget from Postgres", async () => {
    const { study } = await create(studyFile("resume", 4, 2));
    const studyId = study!.id;
    await until(async () => (await stack.db.trial.count({ where: { studyId } })) === 2, "two trials", 10_000);
    await stack.coordinator.stop();
    // The messages are lost along with the old coordinator (a new stream); the rows remain.
    const resumed = await JetStreamQueue.connect({ url: TEST_NATS_URL, log: silentLogger(), ...uniqueStreamNames() });
    const seen: Delivery[] = [];
    const c2 = await resumed.consume("cpu", async (d) => {
      seen.push(d);
      await d.ack();
    }, { concurrency: 4 });
    const second = await startCoordinator({ db: stack.db, queue: resumed, log: silentLogger(), listen: "127.0.0.1:0", scheduler: { intervalMs: 200 } });
    const report = new TrialReportingClient(second.address, credentials.createInsecure());
    try {
      const redispatched = await until(async () => seen.length >= 2 && seen, "re-dispatch", 10_000);
      expect(redispatched.map((d) => d.spec.number).sort()).toEqual([0, 1]);
      // Finish everything it hands out; the budget is respected across the restart.
      for (let n = 0; n < 4; n++) {
        const d = await until(async () => seen.find((x) => x.spec.number === n), `trial ${n}`, 10_000);
        const { attempt, lease } = await grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId: d.spec.trialId, attempt: 1, workerId: "w2" }, md, o, cb));
        await grpcCall<CompleteTrialReply>((md, o, cb) =>
          report.completeTrial(CompleteTrialRequest.fromPartial({ trialId: d.spec.trialId, attempt, lease, status: TrialStatus.TRIAL_STATUS_COMPLETED, folds: folds3, cvMean: 0.9, cvStd: 0.01, paramCount: 9, backend: "test" }), md, o, cb),
        );
      }
      await until(async () => (await stack.db.study.findUniqueOrThrow({ where: { id: studyId } })).status === "COMPLETED", "study completion", 10_000);
      const trials = await stack.db.trial.findMany({ where: { studyId }, orderBy: { number: "asc" } });
      expect(trials.map((t) => [t.number, t.status])).toEqual([0, 1, 2, 3].map((n) => [n, "COMPLETED"]));
    } finally {
      report.close();
      await c2.stop();
      await second.stop();
      await resumed.deleteStream();
      await resumed.close();
    }
  });
});
