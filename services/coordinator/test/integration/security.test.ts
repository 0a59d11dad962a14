import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError, createLogger, grpcCall, grpcClientChannel, silentLogger, type GrpcClientSecurity } from "@automl/common";
import { makeTestCertificates, type TestCertificates } from "@automl/common/testing";
import { createDb, type Db } from "@automl/db";
import { createTestDatabase, postgresAvailable, TEST_ADMIN_URL } from "@automl/db/testing";
import { MemoryQueue, type Delivery } from "@automl/messaging";
import { CoordinatorClient, TrialReportingClient, type CreateStudyReply, type HeartbeatReply, type ListStudiesReply, type StartTrialReply } from "@automl/proto";
import { startCoordinator, type RunningCoordinator } from "../../src/index";
import { outcomeCode as outcome } from "../../src/testing";

const available = await postgresAvailable();

const TOKEN = "coordinator-token-9b2e61f04d";
const STUDY = `
name: sec
dataset: { builtin: xor, n: 60 }
task: binary
space: { depth: 1, width: 4, learningRate: 0.1, batchSize: 8, epochs: 2 }
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 2, parallel: 1 }
seed: 3
`;


/**
 * The coordinator's gRPC server with TLS and a bearer token, on the real Postgres: both services
 * refuse calls without the token (before any handler runs, so nothing is written), and the
 * tokens and key never reach its log.
 */
describe.skipIf(!available)("coordinator gRPC security (TLS + bearer token, real Postgres)", () => {
  let dir: string;
  let certs: TestCertificates;
  let fixture: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let queue: MemoryQueue;
  let coordinator: RunningCoordinator;
  let logText = "";
  const closers: (() => void)[] = [];

  const clients = (sec: GrpcClientSecurity) => {
    const ch = grpcClientChannel(sec);
    const coord = new CoordinatorClient(coordinator.address, ch.credentials, ch.options);
    const report = new TrialReportingClient(coordinator.address, ch.credentials, ch.options);
    closers.push(() => coord.close(), () => report.close());
    return {
      list: () => grpcCall<ListStudiesReply>((md, o, cb) => coord.listStudies({ limit: 5 }, md, o, cb), 10_000),
      create: () => grpcCall<CreateStudyReply>((md, o, cb) => coord.createStudy({ studyFile: STUDY }, md, o, cb), 10_000),
      heartbeat: () => grpcCall<HeartbeatReply>((md, o, cb) => report.heartbeat({ workerId: "w-sec", pool: "cpu", hostname: "h", pid: 1, trialId: "", lease: "" }, md, o, cb), 10_000),
      start: (trialId: string, attempt: number) => grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId, attempt, workerId: "w-sec" }, md, o, cb), 10_000),
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "automl-coord-sec-"));
    certs = makeTestCertificates(dir);
    fixture = await createTestDatabase(TEST_ADMIN_URL);
    db = createDb(fixture.url);
    queue = new MemoryQueue(silentLogger(), { ackWaitMs: 30_000, maxDeliver: 3 });
    const sink = new Writable({ write: (c, _e, cb) => ((logText += String(c)), cb()) });
    coordinator = await startCoordinator({
      db,
      queue,
      log: createLogger("coordinator", "debug", sink),
      listen: "127.0.0.1:0",
      security: { token: TOKEN, tls: { cert: certs.cert, key: certs.key } },
      scheduler: { intervalMs: 200 },
    });
  });

  afterAll(async () => {
    for (const c of closers) c();
    await coordinator?.stop();
    await queue?.close();
    await db?.$disconnect();
    await fixture?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses both services without the token, with a wrong one, and in plaintext; writes nothing", async () => {
    const none = clients({ tls: { ca: certs.ca } });
    const wrong = clients({ token: "wrong-token-000000000000", tls: { ca: certs.ca } });
    const plain = clients({ token: TOKEN });
    for (const c of [none, wrong]) {
      expect(await outcome(c.list())).toBe("UNAUTHENTICATED");
      expect(await outcome(c.create())).toBe("UNAUTHENTICATED");
      expect(await outcome(c.heartbeat())).toBe("UNAUTHENTICATED");
    }
    expect(await outcome(plain.list())).toBe("UNAVAILABLE");
    expect(await outcome(plain.create())).toBe("UNAVAILABLE");
    expect(await db.study.count()).toBe(0);
    expect(await db.worker.count()).toBe(0);
  });

  it("serves a client and a worker with the right credentials", async () => {
    const ok = clients({ token: TOKEN, tls: { ca: certs.ca } });
    const got = new Promise<Delivery>((resolve) => void queue.consume("cpu", async (d) => resolve(d)));
    const { study } = await ok.create();
    expect(study?.name).toBe("sec");
    const d = await got;
    expect(d.spec.studyId).toBe(study!.id);
    const start = await ok.start(d.spec.trialId, d.attempt);
    expect(start.proceed).toBe(true);
    await ok.heartbeat();
    expect(await db.worker.count({ where: { id: "w-sec" } })).toBe(1);
    expect((await db.trial.findUniqueOrThrow({ where: { id: d.spec.trialId } })).status).toBe("RUNNING");
  });

  it("logs each refusal with its reason, never a token or the key", async () => {
    await new Promise((r) => setTimeout(r, 50)); // the async log destination flushes
    expect(logText).toMatch(/"reason":"missing bearer token".*"msg":"unauthenticated call refused"/);
    expect(logText).toMatch(/"reason":"wrong bearer token"/);
    expect(logText).toMatch(/"tls":true,"tokenRequired":true.*"msg":"coordinator listening"/);
    for (const secret of [TOKEN, "wrong-token-000000000000", certs.key.split("\n")[1]!]) expect(logText).not.toContain(secret);
  });

  it("mutual TLS: a client without a certificate from the client CA is refused during the handshake; the subject's role applies", async () => {
    const mtls = await startCoordinator({ db, queue, log: silentLogger(), listen: "127.0.0.1:0", security: { tls: { cert: certs.cert, key: certs.key, clientCa: certs.ca } } });
    try {
      const call = (tls: GrpcClientSecurity["tls"]) => {
        const ch = grpcClientChannel({ tls });
        const c = new CoordinatorClient(mtls.address, ch.credentials, ch.options);
        closers.push(() => c.close());
        return outcome(grpcCall<ListStudiesReply>((md, o, cb) => c.listStudies({ limit: 1 }, md, o, cb), 10_000));
      };
      expect(await call({ ca: certs.ca })).toBe("UNAVAILABLE");
      expect(await call({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey })).toBe("ok");
      // That certificate's subject says OU=client: the workers' service refuses it by role.
      const ch = grpcClientChannel({ tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
      const report = new TrialReportingClient(mtls.address, ch.credentials, ch.options);
      closers.push(() => report.close());
      const beat = grpcCall<HeartbeatReply>((md, o, cb) => report.heartbeat({ workerId: "w-mtls", pool: "cpu", hostname: "h", pid: 1, trialId: "", lease: "" }, md, o, cb), 10_000);
      await expect(beat).rejects.toThrow("this call needs the worker role; this caller has the client role");
    } finally {
      await mtls.stop();
    }
  });

  it("refuses to listen beyond loopback without a token, unless told it is insecure", async () => {
    const opts = { db, queue, log: silentLogger(), listen: "0.0.0.0:0" };
    await expect(startCoordinator(opts)).rejects.toThrow(/AUTOML_GRPC_TOKEN: required to listen on 0\.0\.0\.0:0 \(not loopback\)/);
    let warned = "";
    const open = await startCoordinator({ ...opts, insecure: true, log: createLogger("c", "warn", new Writable({ write: (c, _e, cb) => ((warned += String(c)), cb()) })) });
    await open.stop();
    expect(warned).toMatch(/INSECURE: gRPC listens beyond loopback without a token/);
  });
});
