import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, grpcCall, grpcClientChannel } from "@automl/common";
import { createDb, type Db } from "@automl/db";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { MemoryQueue, type Delivery } from "@automl/messaging";
import {
  CompleteTrialRequest,
  CoordinatorClient,
  TrialReportingClient,
  TrialStatus,
  type CompleteTrialReply,
  type CreateStudyReply,
  type FailTrialReply,
  type HeartbeatReply,
  type ReportEpochReply,
  type StartTrialReply,
} from "@automl/proto";
import { startCoordinator, type RunningCoordinator } from "../../src/index";
import { createCredential } from "../../src/credentials";
import { outcomeCode as code, until } from "../../src/testing";

const available = await postgresAvailable();
const TOKEN = "coordinator-token-lease-7f31c0";
const STUDY = `
name: leases
dataset: { builtin: xor, n: 60 }
task: binary
space: { depth: 1, width: 4, learningRate: 0.1, batchSize: 8, epochs: 2 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 2, parallel: 2 }
seed: 5
`;

/**
 * Issue 14 item 2, played by an attacker who holds a valid credential: a fabricated score for a
 * running trial is refused unless the caller holds the trial's current attempt (the lease
 * StartTrial returned to the worker that started it), and a caller whose token is not of the
 * worker role is refused by role before that. Real Postgres, gRPC over a socket.
 */
describe.skipIf(!available)("attempt leases: outcomes only from the worker that holds the attempt", () => {
  let fixture: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let queue: MemoryQueue;
  let coordinator: RunningCoordinator;
  let coord: CoordinatorClient;
  let report: TrialReportingClient;
  /** The same service reached with a client-role token (a CLI's, a dashboard's) and with another worker's worker-role token. */
  let asClient: TrialReportingClient;
  let asOtherWorker: TrialReportingClient;
  let logText = "";
  let otherLease = "";
  const inbox: Delivery[] = [];

  const start = (trialId: string, workerId: string) => grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId, attempt: 1, workerId }, md, o, cb));
  const complete = (trialId: string, attempt: number, lease: string, cvMean: number, r = report) =>
    grpcCall<CompleteTrialReply>((md, o, cb) =>
      r.completeTrial(
        CompleteTrialRequest.fromPartial({ trialId, attempt, lease, status: TrialStatus.TRIAL_STATUS_COMPLETED, folds: [0, 1].map((fold) => ({ fold, score: cvMean, loss: 0.1, epochs: 2 })), cvMean, cvStd: 0, paramCount: 17 }),
        md,
        o,
        cb,
      ),
    );
  const epoch = (trialId: string, attempt: number, lease: string, r = report) =>
    grpcCall<ReportEpochReply>((md, o, cb) => r.reportEpoch({ trialId, attempt, lease, metrics: { fold: 0, epoch: 1, trainLoss: 0.1, validLoss: 0.1, validMetric: 0.99, diagnosticsJson: "" } }, md, o, cb));
  const fail = (trialId: string, attempt: number, lease: string, r = report) => grpcCall<FailTrialReply>((md, o, cb) => r.failTrial({ trialId, attempt, lease, reason: "sabotage" }, md, o, cb));

  beforeAll(async () => {
    fixture = await createTestDatabase(TEST_ADMIN_URL);
    db = createDb(fixture.url);
    queue = new MemoryQueue(createLogger("queue", "silent"), { ackWaitMs: 60_000, maxDeliver: 3 });
    const sink = new Writable({ write: (c, _e, cb) => ((logText += String(c)), cb()) });
    coordinator = await startCoordinator({ db, queue, log: createLogger("coordinator", "info", sink), listen: "127.0.0.1:0", security: { token: TOKEN }, scheduler: { intervalMs: 200 } });
    const ch = grpcClientChannel({ token: TOKEN });
    coord = new CoordinatorClient(coordinator.address, ch.credentials, ch.options);
    report = new TrialReportingClient(coordinator.address, ch.credentials, ch.options);
    const reporter = (token: string) => {
      const c = grpcClientChannel({ token });
      return new TrialReportingClient(coordinator.address, c.credentials, c.options);
    };
    asClient = reporter((await createCredential(db, "client", "cli-laptop")).token);
    asOtherWorker = reporter((await createCredential(db, "worker", "worker-pod-9")).token);
    await queue.consume("cpu", async (d) => void inbox.push(d), { concurrency: 4 });
  });

  afterAll(async () => {
    coord?.close();
    report?.close();
    asClient?.close();
    asOtherWorker?.close();
    await coordinator?.stop();
    await queue?.close();
    await db?.$disconnect();
    await fixture?.drop();
  });

  it("refuses a client's fabricated report, another worker's lease and an older attempt's lease; records the holder's", async () => {
    await grpcCall<CreateStudyReply>((md, o, cb) => coord.createStudy({ studyFile: STUDY }, md, o, cb));
    const [a, b] = await until(async () => inbox.length >= 2 && inbox, "two dispatches", 10_000);
    const victim = a!.spec.trialId;

    // The honest worker starts the victim trial; it is cut off and the trial is started again (attempt 2).
    const old = await start(victim, "honest-1");
    const current = await start(victim, "honest-2");
    expect([old.attempt, current.attempt]).toEqual([1, 2]);
    expect(old.lease).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(current.lease).not.toBe(old.lease);
    // Another worker, with its own valid lease for the other trial.
    const other = await start(b!.spec.trialId, "other-worker");
    otherLease = other.lease;

    // 0. A client with a valid client token is refused by its role, before any lease is looked at
    // (even holding the current lease, which it could only have stolen).
    // Thunks, so that each call starts only once its rejection is awaited (no unhandled rejection).
    for (const refused of [() => complete(victim, 2, current.lease, 1.0, asClient), () => epoch(victim, 2, current.lease, asClient), () => fail(victim, 2, "", asClient)]) {
      await expect(refused()).rejects.toThrow("this call needs the worker role; this caller has the client role");
    }
    // 1. A caller with a valid credential and no lease.
    expect(await code(complete(victim, 2, "", 1.0))).toBe("PERMISSION_DENIED");
    expect(await code(epoch(victim, 2, ""))).toBe("PERMISSION_DENIED");
    expect(await code(fail(victim, 2, "", asOtherWorker))).toBe("PERMISSION_DENIED");
    // 2. Another worker, with a valid worker token, that holds another trial's lease.
    expect(await code(complete(victim, 2, other.lease, 1.0, asOtherWorker))).toBe("PERMISSION_DENIED");
    expect(await code(complete(victim, other.attempt, other.lease, 1.0, asOtherWorker))).toBe("PERMISSION_DENIED");
    // 3. The older attempt's lease replayed, under either attempt number.
    expect(await code(complete(victim, 1, old.lease, 1.0))).toBe("PERMISSION_DENIED");
    expect(await code(complete(victim, 2, old.lease, 1.0))).toBe("PERMISSION_DENIED");
    expect(await code(epoch(victim, 1, old.lease))).toBe("PERMISSION_DENIED");
    expect(await code(fail(victim, 2, old.lease))).toBe("PERMISSION_DENIED");

    // Nothing of it was written: still RUNNING, no curve, no folds.
    const untouched = await db.trial.findUniqueOrThrow({ where: { id: victim }, include: { folds: true, epochs: true } });
    expect([untouched.status, untouched.cvMean, untouched.folds.length, untouched.epochs.length]).toEqual(["RUNNING", null, 0, 0]);

    // The holder reports; its score is the one recorded, and a retry of it is a harmless duplicate.
    expect(await code(epoch(victim, 2, current.lease))).toBe("ok");
    expect((await complete(victim, 2, current.lease, 0.75)).alreadyRecorded).toBe(false);
    expect((await complete(victim, 2, current.lease, 0.75)).alreadyRecorded).toBe(true);
    const t = await db.trial.findUniqueOrThrow({ where: { id: victim } });
    expect([t.status, t.attempt, t.cvMean, t.workerId]).toEqual(["COMPLETED", 2, 0.75, "honest-2"]);
    // The stored secret is a hash, never the lease itself.
    expect(t.leaseHash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.leaseHash).not.toContain(current.lease);

    // Every refusal was logged, by trial and attempt, and no lease reached the log.
    expect(logText.match(/report refused: caller does not hold the trial's current attempt/g)?.length).toBe(9);
    for (const lease of [old.lease, current.lease, other.lease]) expect(logText).not.toContain(lease);
  });

  it("a heartbeat extends a trial's liveness only with its current lease", async () => {
    const d = inbox[1]!;
    const before = (await db.trial.findUniqueOrThrow({ where: { id: d.spec.trialId } })).heartbeatAt!;
    const beat = (lease: string) => grpcCall<HeartbeatReply>((md, o, cb) => report.heartbeat({ workerId: "intruder", pool: "cpu", hostname: "h", pid: 1, trialId: d.spec.trialId, lease }, md, o, cb));
    await new Promise((r) => setTimeout(r, 20));
    await beat("forged-lease");
    expect((await db.trial.findUniqueOrThrow({ where: { id: d.spec.trialId } })).heartbeatAt).toEqual(before);
    await beat(otherLease);
    expect((await db.trial.findUniqueOrThrow({ where: { id: d.spec.trialId } })).heartbeatAt!.getTime()).toBeGreaterThan(before.getTime());
  });
});
