import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, createLogger, grpcCall, grpcClientChannel, silentLogger } from "@automl/common";
import { createDb, type Db } from "@automl/db";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { MemoryQueue, type Delivery } from "@automl/messaging";
import {
  CompleteTrialRequest,
  CoordinatorClient,
  TrialReportingClient,
  TrialStatus,
  type CancelStudyReply,
  type CompleteTrialReply,
  type CreateStudyReply,
  type GetStudyReply,
  type HeartbeatReply,
  type ListStudiesReply,
  type ListTrialsReply,
  type ReportEpochReply,
  type StartTrialReply,
} from "@automl/proto";
import { startCoordinator, type RunningCoordinator } from "../../src/index";
import { createCredential, listCredentials, revokeCredential } from "../../src/credentials";
import { outcomeCode as code, until } from "../../src/testing";

const available = await postgresAvailable();
const ADMIN = "legacy-admin-token-5d0c2e9a";
const TTL_MS = 300;
const STUDY = `
name: roles
dataset: { builtin: xor, n: 60 }
task: binary
space: { depth: 1, width: 4, learningRate: 0.1, batchSize: 8, epochs: 2 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 2, parallel: 2 }
seed: 9
`;

/** The refusal's code and text, or "ok". */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return err instanceof AppError ? `${err.code}: ${err.message}` : String(err);
  }
}

/**
 * Issue 14 item 1: role tokens from the Credential table (real Postgres) over real gRPC sockets.
 * Workers may only report, clients only use the Coordinator service, viewers only read it; a
 * revoked token is refused within the cache's TTL without a restart; the legacy token is admin.
 */
describe.skipIf(!available)("gRPC roles from the Credential table", () => {
  let fixture: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let queue: MemoryQueue;
  let coordinator: RunningCoordinator;
  let logText = "";
  const inbox: Delivery[] = [];
  const closers: (() => void)[] = [];
  const tokens: Record<"worker" | "client" | "viewer", string> = { worker: "", client: "", viewer: "" };

  const as = (token: string | undefined, address = coordinator.address) => {
    const ch = grpcClientChannel({ token });
    const coord = new CoordinatorClient(address, ch.credentials, ch.options);
    const report = new TrialReportingClient(address, ch.credentials, ch.options);
    closers.push(() => coord.close(), () => report.close());
    return {
      create: () => grpcCall<CreateStudyReply>((md, o, cb) => coord.createStudy({ studyFile: STUDY }, md, o, cb)),
      list: () => grpcCall<ListStudiesReply>((md, o, cb) => coord.listStudies({ limit: 5 }, md, o, cb)),
      get: (studyId: string) => grpcCall<GetStudyReply>((md, o, cb) => coord.getStudy({ studyId }, md, o, cb)),
      trials: (studyId: string) => grpcCall<ListTrialsReply>((md, o, cb) => coord.listTrials({ studyId, ranked: false, limit: 10, offset: 0 }, md, o, cb)),
      cancel: (studyId: string) => grpcCall<CancelStudyReply>((md, o, cb) => coord.cancelStudy({ studyId }, md, o, cb)),
      start: (trialId: string) => grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId, attempt: 1, workerId: "w-roles" }, md, o, cb)),
      heartbeat: () => grpcCall<HeartbeatReply>((md, o, cb) => report.heartbeat({ workerId: "w-roles", pool: "cpu", hostname: "h", pid: 1, trialId: "", lease: "" }, md, o, cb)),
      epochs: (trialId: string, lease: string) =>
        grpcCall<ReportEpochReply>((md, o, cb) => report.reportEpochs({ trialId, attempt: 1, lease, metrics: [{ fold: 0, epoch: 1, trainLoss: 0.1, validLoss: 0.1, validMetric: 0.99, diagnosticsJson: "" }] }, md, o, cb)),
      complete: (trialId: string, lease: string) =>
        grpcCall<CompleteTrialReply>((md, o, cb) =>
          report.completeTrial(
            CompleteTrialRequest.fromPartial({ trialId, attempt: 1, lease, status: TrialStatus.TRIAL_STATUS_COMPLETED, folds: [0, 1].map((fold) => ({ fold, score: 1, loss: 0.1, epochs: 2 })), cvMean: 1, cvStd: 0, paramCount: 17 }),
            md,
            o,
            cb,
          ),
        ),
    };
  };

  beforeAll(async () => {
    fixture = await createTestDatabase(TEST_ADMIN_URL);
    db = createDb(fixture.url);
    for (const role of ["worker", "client", "viewer"] as const) tokens[role] = (await createCredential(db, role, `${role}-1`)).token;
    queue = new MemoryQueue(silentLogger(), { ackWaitMs: 60_000, maxDeliver: 3 });
    const sink = new Writable({ write: (c, _e, cb) => ((logText += String(c)), cb()) });
    coordinator = await startCoordinator({ db, queue, log: createLogger("coordinator", "info", sink), listen: "127.0.0.1:0", security: { token: ADMIN }, scheduler: { intervalMs: 200 }, credentialTtlMs: TTL_MS });
    await queue.consume("cpu", async (d) => void inbox.push(d), { concurrency: 4 });
  });

  afterAll(async () => {
    for (const c of closers) c();
    await coordinator?.stop();
    await queue?.close();
    await db?.$disconnect();
    await fixture?.drop();
  });

  it("stores only hashes of the tokens it issued, and names them", async () => {
    const rows = await db.credential.findMany({ orderBy: { name: "asc" } });
    expect(rows.map((r) => [r.name, r.role, r.revokedAt])).toEqual([["client-1", "client", null], ["viewer-1", "viewer", null], ["worker-1", "worker", null]]);
    for (const r of rows) {
      expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
      for (const t of Object.values(tokens)) expect(r.hash).not.toContain(t);
    }
    expect(tokens.worker).toMatch(/^automl_worker_[A-Za-z0-9_-]{43}$/);
    expect((await listCredentials(db)).map((r) => r.name)).toEqual(["worker-1", "client-1", "viewer-1"]);
    await expect(createCredential(db, "admin")).rejects.toThrow(/--role: must be worker, client or viewer/);
    await expect(createCredential(db, "worker", "worker-1")).rejects.toThrow(/a credential named worker-1 exists/);
  });

  it("a client may create, read and cancel studies but never report: CompleteTrial and ReportEpochs are PERMISSION_DENIED", async () => {
    const client = as(tokens.client);
    const { study } = await client.create();
    const [d] = await until(async () => inbox.length >= 2 && inbox, "two dispatches", 10_000);
    expect((await client.list()).studies.map((s) => s.id)).toContain(study!.id);
    expect((await client.trials(study!.id)).total).toBe(2);

    // The client plays the worker: it knows the trial id from the queue (or a listing).
    const needsWorker = "PERMISSION_DENIED: this call needs the worker role; this caller has the client role";
    expect(await refusal(client.complete(d!.spec.trialId, ""))).toBe(needsWorker);
    expect(await refusal(client.epochs(d!.spec.trialId, ""))).toBe(needsWorker);
    expect(await refusal(client.start(d!.spec.trialId))).toBe(needsWorker);
    expect(await refusal(client.heartbeat())).toBe(needsWorker);
    // Refused before any handler ran: the trial was never started, nothing recorded, no worker row.
    const t = await db.trial.findUniqueOrThrow({ where: { id: d!.spec.trialId }, include: { folds: true, epochs: true } });
    expect([t.status, t.attempt, t.folds.length, t.epochs.length]).toEqual(["QUEUED", 0, 0, 0]);
    expect(await db.worker.count()).toBe(0);
  });

  it("a worker may report but never create, cancel or read studies", async () => {
    const worker = as(tokens.worker);
    const d = inbox[0]!;
    const needsClient = "PERMISSION_DENIED: this call needs the client role; this caller has the worker role";
    expect(await refusal(worker.create())).toBe(needsClient);
    expect(await refusal(worker.cancel(d.spec.studyId))).toBe(needsClient);
    expect(await refusal(worker.list())).toBe("PERMISSION_DENIED: this call needs the client or viewer role; this caller has the worker role");
    expect(await db.study.count()).toBe(1);
    expect((await db.study.findUniqueOrThrow({ where: { id: d.spec.studyId } })).status).toBe("RUNNING");

    const started = await worker.start(d.spec.trialId);
    expect(started.proceed).toBe(true);
    expect(await code(worker.epochs(d.spec.trialId, started.lease))).toBe("ok");
    expect((await worker.complete(d.spec.trialId, started.lease)).alreadyRecorded).toBe(false);
    expect((await db.trial.findUniqueOrThrow({ where: { id: d.spec.trialId } })).status).toBe("COMPLETED");
  });

  it("a viewer may list and read, not create or cancel", async () => {
    const viewer = as(tokens.viewer);
    const id = inbox[0]!.spec.studyId;
    expect((await viewer.list()).studies).toHaveLength(1);
    expect((await viewer.get(id)).study?.name).toBe("roles");
    expect((await viewer.trials(id)).total).toBe(2);
    const needsClient = "PERMISSION_DENIED: this call needs the client role; this caller has the viewer role";
    expect(await refusal(viewer.create())).toBe(needsClient);
    expect(await refusal(viewer.cancel(id))).toBe(needsClient);
    expect(await refusal(viewer.complete(inbox[1]!.spec.trialId, ""))).toBe("PERMISSION_DENIED: this call needs the worker role; this caller has the viewer role");
    expect(await db.study.count()).toBe(1);
    expect((await db.study.findUniqueOrThrow({ where: { id } })).status).toBe("RUNNING");
  });

  it("no token or an unknown one is UNAUTHENTICATED; the legacy AUTOML_GRPC_TOKEN is admin and may call everything", async () => {
    for (const c of [as(undefined), as("automl_client_not-a-token-we-issued-0000000000000")]) {
      expect(await code(c.list())).toBe("UNAUTHENTICATED");
      expect(await code(c.heartbeat())).toBe("UNAUTHENTICATED");
    }
    const admin = as(ADMIN);
    expect((await admin.list()).studies).toHaveLength(1);
    expect(await code(admin.heartbeat())).toBe("ok");
  });

  it("a revoked token is refused within the cache's TTL, without a restart; a new one works at once", async () => {
    const client = as(tokens.client);
    expect(await code(client.list())).toBe("ok");
    const revoked = await revokeCredential(db, "client-1");
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    // Revoking again keeps the first time; revoking by id works too.
    expect((await revokeCredential(db, revoked.id)).revokedAt).toEqual(revoked.revokedAt);
    await expect(revokeCredential(db, "nobody")).rejects.toThrow(/no credential with id or name "nobody"/);
    await new Promise((r) => setTimeout(r, TTL_MS + 200));
    expect(await refusal(client.list())).toMatch(/^UNAUTHENTICATED: wrong bearer token/);
    expect(await code(client.cancel(inbox[0]!.spec.studyId))).toBe("UNAUTHENTICATED");
    // Rotation: the replacement is accepted on its first call.
    const next = as((await createCredential(db, "client", "client-2")).token);
    expect(await code(next.list())).toBe("ok");
  });

  it("logs each refusal with the role and credential name, never a token", async () => {
    await new Promise((r) => setTimeout(r, 50)); // the async log destination flushes
    expect(logText).toMatch(/"role":"client","credential":"client-1".*"msg":"call refused: role not allowed"/);
    expect(logText).toMatch(/"reason":"wrong bearer token".*"msg":"unauthenticated call refused"/);
    for (const t of [...Object.values(tokens), ADMIN]) expect(logText).not.toContain(t);
  });

  it("with role tokens issued, a coordinator without the legacy token requires one, and may listen beyond loopback", async () => {
    const open = await startCoordinator({ db, queue, log: silentLogger(), listen: "0.0.0.0:0", credentialTtlMs: TTL_MS });
    try {
      const address = `127.0.0.1:${open.address.split(":").pop()}`;
      expect(await code(as(undefined, address).list())).toBe("UNAUTHENTICATED");
      expect(await code(as(ADMIN, address).list())).toBe("UNAUTHENTICATED");
      expect(await code(as(tokens.viewer, address).list())).toBe("ok");
      expect(await code(as(tokens.viewer, address).create())).toBe("PERMISSION_DENIED");
    } finally {
      await open.stop();
    }
  });
});
