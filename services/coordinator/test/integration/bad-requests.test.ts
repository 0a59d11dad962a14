import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, Client, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { AppError, grpcCall, LIMITS } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import type { CoordinatorClient, ListStudiesReply, TrialReportingClient } from "@automl/proto";
import type { RunningCoordinator } from "../../src/index";
import { startTestStack, type TestStack } from "../../src/testing";

const available = await postgresAvailable();


/** A call's outcome as a code name: "OK" or the AppError code the client got. */
async function outcome(invoke: Parameters<typeof grpcCall>[0]): Promise<string> {
  try {
    await grpcCall(invoke, 20_000);
    return "OK";
  } catch (err) {
    return err instanceof AppError ? `${err.code}: ${err.message}` : `?: ${String(err)}`;
  }
}

// Ids of every kind of wrong: empty, random, NUL, huge, look-alike UUIDs, SQL-ish.
const id = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.uuid(),
  fc.constantFrom("", "\u0000", "a\u0000b", "' OR 1=1 --", "x".repeat(LIMITS.idChars + 1), "\uD800"),
);
const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308));

/**
 * Garbage over gRPC to a real coordinator (real Postgres): every call is answered INVALID_ARGUMENT
 * or NOT_FOUND (or OK where the input happens to be valid), never INTERNAL, and the server stays up.
 */
describe.skipIf(!available)("bad gRPC requests (fast-check)", () => {
  let stack: TestStack;
  let coordinator: RunningCoordinator;
  let coord: CoordinatorClient;
  let report: TrialReportingClient;

  beforeAll(async () => {
    stack = await startTestStack({ queue: { memory: { ackWaitMs: 60_000, maxDeliver: 3 } } });
    ({ coordinator, coord, report } = stack);
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  const stillUp = async () => {
    const r = await grpcCall<ListStudiesReply>((md, o, cb) => coord.listStudies({ limit: 1 }, md, o, cb));
    expect(Array.isArray(r.studies)).toBe(true);
  };
  const refused = (o: string) => expect(o).toMatch(/^(OK|INVALID_ARGUMENT: \S.*|NOT_FOUND: \S.*|FAILED_PRECONDITION: \S.*)$/s);

  it("CreateStudy with arbitrary study files: INVALID_ARGUMENT naming what is wrong", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.jsonValue().map((v) => JSON.stringify(v))), async (studyFile) => {
        const o = await outcome((md, opts, cb) => coord.createStudy({ studyFile }, md, opts, cb as never));
        expect(o).toMatch(/^INVALID_ARGUMENT: \S/);
      }),
      { numRuns: 60 },
    );
    await stillUp();
  });

  it("reporting calls with garbage ids and values: INVALID_ARGUMENT or NOT_FOUND, never INTERNAL", async () => {
    const calls: ((v: { id: string; n: number; i: number; s: string }) => Parameters<typeof grpcCall>[0])[] = [
      (v) => (md, o, cb) => report.startTrial({ trialId: v.id, attempt: v.i, workerId: v.s }, md, o, cb as never),
      (v) => (md, o, cb) => report.reportEpoch({ trialId: v.id, attempt: v.i, lease: v.s, metrics: { fold: v.i, epoch: v.i, trainLoss: v.n, validLoss: v.n, validMetric: v.n, diagnosticsJson: v.s } }, md, o, cb as never),
      (v) => (md, o, cb) => report.reportEpochs({ trialId: v.id, attempt: v.i, lease: v.s, metrics: [{ fold: 0, epoch: 1, trainLoss: 1, validLoss: 1, validMetric: 1, diagnosticsJson: "" }, { fold: v.i, epoch: v.i, trainLoss: v.n, validLoss: v.n, validMetric: v.n, diagnosticsJson: v.s }] }, md, o, cb as never),
      (v) => (md, o, cb) => report.completeTrial({ trialId: v.id, attempt: v.i, status: v.i, folds: [{ fold: v.i, score: v.n, loss: v.n, epochs: v.i, metrics: {} }], cvMean: v.n, cvStd: v.n, paramCount: v.i, divergedFold: 0, divergedEpoch: 0, backend: v.s, surfaceJson: v.s, lease: v.s }, md, o, cb as never),
      (v) => (md, o, cb) => report.failTrial({ trialId: v.id, attempt: v.i, reason: v.s, lease: v.s }, md, o, cb as never),
      (v) => (md, o, cb) => report.heartbeat({ workerId: v.id, pool: v.s, hostname: v.s, pid: v.i, trialId: v.s, lease: v.s }, md, o, cb as never),
      (v) => (md, o, cb) => coord.getStudy({ studyId: v.id }, md, o, cb as never),
      (v) => (md, o, cb) => coord.cancelStudy({ studyId: v.id }, md, o, cb as never),
      (v) => (md, o, cb) => coord.listTrials({ studyId: v.id, ranked: v.i % 2 === 0, limit: v.i, offset: v.i }, md, o, cb as never),
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(calls.length - 1), fc.record({ id, n: num, i: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), s: fc.oneof(id, fc.string({ maxLength: 60 })) }), async (k, v) => {
        refused(await outcome(calls[k]!(v)));
      }),
      { numRuns: 150 },
    );
    await stillUp();
  });

  it("NUL characters and over-long ids are refused by field name", async () => {
    expect(await outcome((md, o, cb) => report.failTrial({ trialId: "t", attempt: 1, reason: "a\u0000b", lease: "" }, md, o, cb as never))).toBe("INVALID_ARGUMENT: reason: contains a NUL character");
    expect(await outcome((md, o, cb) => report.startTrial({ trialId: "t", attempt: 1, workerId: "w\u0000" }, md, o, cb as never))).toBe("INVALID_ARGUMENT: worker_id: contains a NUL character");
    expect(await outcome((md, o, cb) => coord.getStudy({ studyId: "s".repeat(LIMITS.idChars + 1) }, md, o, cb as never))).toBe(`INVALID_ARGUMENT: study_id: longer than ${LIMITS.idChars} characters`);
  });

  it("random bytes as a request: refused, and the server stays up", async () => {
    const raw = new Client(coordinator.address, credentials.createInsecure());
    const methods = ["/automl.v1.Coordinator/CreateStudy", "/automl.v1.TrialReporting/CompleteTrial", "/automl.v1.TrialReporting/ReportEpoch", "/automl.v1.Coordinator/GetStudy"];
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...methods), fc.uint8Array({ maxLength: 300 }), async (method, bytes) => {
          const code = await new Promise<number>((resolve) =>
            raw.makeUnaryRequest(method, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(bytes), { deadline: Date.now() + 20_000 }, (err) => resolve(err ? err.code : GrpcStatus.OK)),
          );
          // Bytes that do not decode are INTERNAL ("error deserializing") from grpc-js itself, before our handler; the rest are ours.
          expect([GrpcStatus.OK, GrpcStatus.INVALID_ARGUMENT, GrpcStatus.NOT_FOUND, GrpcStatus.FAILED_PRECONDITION, GrpcStatus.INTERNAL]).toContain(code);
        }),
        { numRuns: 120 },
      );
    } finally {
      raw.close();
    }
    await stillUp();
  });

  it("a request over the message limit is refused with RESOURCE_EXHAUSTED; a study file over its limit with INVALID_ARGUMENT", async () => {
    const big = "#".repeat(LIMITS.grpcMessageBytes + 10);
    const code = await new Promise<number>((resolve) => coord.createStudy({ studyFile: big }, (err) => resolve(err ? err.code : GrpcStatus.OK)));
    expect(code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const tooLongFile = `name: x\n#${"x".repeat(LIMITS.studyFileBytes)}`;
    expect(await outcome((md, o, cb) => coord.createStudy({ studyFile: tooLongFile }, md, o, cb as never))).toBe(`INVALID_ARGUMENT: study_file: larger than ${LIMITS.studyFileBytes} bytes`);
    await stillUp();
  });
});

