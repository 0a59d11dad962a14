import { credentials } from "@grpc/grpc-js";
import { AppError, grpcCall, silentLogger } from "@automl/common";
import { createDb, type Db } from "@automl/db";
import { createTestDatabase, TEST_ADMIN_URL } from "@automl/db/testing";
import { JetStreamQueue, MemoryQueue, type Delivery, type QueueConsumer, type QueueOptions, type TrialQueue } from "@automl/messaging";
import { TEST_NATS_URL, uniqueStreamNames } from "@automl/messaging/testing";
import { CoordinatorClient, TrialReportingClient, type CreateStudyReply } from "@automl/proto";
import { startCoordinator, type CoordinatorOptions, type RunningCoordinator } from "./coordinator";

/**
 * The in-process stack of the integration tests: a fresh migrated database on the real Postgres,
 * a queue, a coordinator on a loopback port and gRPC clients to it, plus, optionally, whatever
 * consumes the queue. This package must not depend on @automl/worker, so the consumer comes as a
 * factory: suites that train pass `(s) => startWorker({ queue: s.queue, coordinator: s.coordinator.address, ... })`,
 * suites that play the worker themselves pass a queue consumer.
 */

/** Whatever consumes the queue: a real worker, or a test's own consumer. */
export interface Stoppable {
  stop(): Promise<void>;
}

export interface TestStackOptions<W extends Stoppable> {
  /** `memory` (default): a MemoryQueue with these options; `jetstream`: a stream of its own on the test NATS, deleted on dispose. */
  queue?: { memory?: QueueOptions } | { jetstream: Partial<QueueOptions> };
  /** Passed to the coordinator as is (interval, ack wait and max deliver of its sweep); omitted, the coordinator's defaults. */
  scheduler?: CoordinatorOptions["scheduler"];
  /** CoordinatorOptions.localDatasetPaths (the embedded stack's; default false like a distributed coordinator). */
  localDatasetPaths?: boolean;
  /** Pool size of the test's Prisma client (the client's default when omitted). */
  maxConnections?: number;
  /** Starts the queue's consumer once the coordinator listens. */
  worker?: (stack: TestStackParts) => Promise<W>;
}

export interface TestStackParts {
  db: Db;
  databaseUrl: string;
  queue: TrialQueue;
  coordinator: RunningCoordinator;
}

export interface TestStack<W extends Stoppable = Stoppable, Q extends TrialQueue = TrialQueue> extends TestStackParts {
  queue: Q;
  /** The consumer `worker` started, or the one `replaceWorker` put in its place. */
  worker: W | undefined;
  coord: CoordinatorClient;
  report: TrialReportingClient;
  /** Stops the current consumer and starts another (e.g. a worker with another backend); dispose stops the new one. */
  replaceWorker(start: (stack: TestStackParts) => Promise<W>): Promise<W>;
  /** Creates a study over gRPC and waits until it leaves RUNNING; returns its id and final status. */
  runToEnd(studyFile: string, o?: { timeoutMs?: number; pollMs?: number }): Promise<{ id: string; status: string }>;
  /** Stops and removes everything, consumers first, in the reverse order of creation. */
  dispose(): Promise<void>;
}

export async function startTestStack<W extends Stoppable = Stoppable>(opts: TestStackOptions<W> & { queue: { jetstream: Partial<QueueOptions> } }): Promise<TestStack<W, JetStreamQueue>>;
export async function startTestStack<W extends Stoppable = Stoppable>(opts?: TestStackOptions<W>): Promise<TestStack<W, MemoryQueue>>;
export async function startTestStack<W extends Stoppable>(opts: TestStackOptions<W> = {}): Promise<TestStack<W>> {
  // Undo steps, pushed as each part comes up, so that a failure half-way still cleans up.
  const undo: (() => Promise<void>)[] = [];
  const dispose = async () => {
    const errors: unknown[] = [];
    for (const step of undo.reverse().splice(0)) await step().catch((err: unknown) => errors.push(err));
    if (errors.length) throw new AggregateError(errors, `test stack disposal: ${errors.length} step(s) failed`);
  };
  try {
    const database = await createTestDatabase(TEST_ADMIN_URL);
    undo.push(() => database.drop());
    const db = createDb(database.url, opts.maxConnections === undefined ? {} : { maxConnections: opts.maxConnections });
    undo.push(() => db.$disconnect());
    const queue = await testQueue(opts.queue);
    undo.push(async () => {
      if (queue instanceof JetStreamQueue) await queue.deleteStream().catch(() => {});
      await queue.close();
    });
    const coordinator = await startCoordinator({ db, queue, log: silentLogger(), listen: "127.0.0.1:0", localDatasetPaths: opts.localDatasetPaths, ...(opts.scheduler ? { scheduler: opts.scheduler } : {}) });
    undo.push(() => coordinator.stop());
    const coord = new CoordinatorClient(coordinator.address, credentials.createInsecure());
    const report = new TrialReportingClient(coordinator.address, credentials.createInsecure());
    undo.push(async () => {
      coord.close();
      report.close();
    });
    const parts: TestStackParts = { db, databaseUrl: database.url, queue, coordinator };
    const stack: TestStack<W> = {
      ...parts,
      worker: undefined,
      coord,
      report,
      async replaceWorker(start) {
        await stack.worker?.stop();
        stack.worker = await start(parts);
        return stack.worker;
      },
      async runToEnd(studyFile, o = {}) {
        const { timeoutMs = 60_000, pollMs = 100 } = o;
        const { study } = await grpcCall<CreateStudyReply>((md, opt, cb) => coord.createStudy({ studyFile }, md, opt, cb));
        const id = study!.id;
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const { status } = await db.study.findUniqueOrThrow({ where: { id }, select: { status: true } });
          if (status !== "RUNNING") return { id, status };
          if (Date.now() > deadline) throw new Error(`study ${id} did not finish within ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, pollMs));
        }
      },
      dispose,
    };
    // The consumer stops first: it still reports to the coordinator and reads the queue.
    undo.push(async () => stack.worker?.stop());
    if (opts.worker) stack.worker = await opts.worker(parts);
    return stack;
  } catch (err) {
    await dispose().catch(() => {});
    throw err;
  }
}

async function testQueue(q: TestStackOptions<Stoppable>["queue"]): Promise<TrialQueue> {
  if (q && "jetstream" in q) return JetStreamQueue.connect({ url: TEST_NATS_URL, log: silentLogger(), ...uniqueStreamNames(), ...q.jetstream });
  return new MemoryQueue(silentLogger(), q?.memory);
}

/** A `worker` for suites that play the worker over gRPC themselves: it records each "cpu" delivery in `inbox` and acks it. */
export function collectInto(inbox: Delivery[], concurrency: number): (stack: TestStackParts) => Promise<QueueConsumer> {
  return (s) =>
    s.queue.consume("cpu", async (d) => {
      inbox.push(d);
      await d.ack();
    }, { concurrency });
}

/** Polls `fn` until it returns something truthy, every `everyMs`; throws naming `what` after `timeoutMs`. */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string | (() => string), timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A call's outcome: "ok" or the AppError code it failed with. */
export async function outcomeCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
}
