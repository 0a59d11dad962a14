import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentials, loadPackageDefinition, status, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable, uniqueStreamNames, TEST_NATS_URL } from "@automl/messaging/testing";
import { startTestStack, until, type TestStack } from "@automl/coordinator/testing";
import type { JetStreamQueue } from "@automl/messaging";
import { automl, distributedSuite, REPO_ROOT, startCoordinatorProcess, stop, type Proc } from "../support";

const available = (await postgresAvailable()) && (await natsAvailable());

/** A client as an outsider writes one: grpc-js + proto-loader on the .proto, none of our code. */
type Unary = (req: object, cb: (err: ServiceError | null, res: any) => void) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
function rawCoordinatorClient(address: string): Record<"CreateStudy" | "ListStudies", Unary> & { close(): void } {
  const def = loadSync(join(REPO_ROOT, "proto", "automl", "v1", "automl.proto"), { keepCase: true, defaults: true, enums: String, includeDirs: [join(REPO_ROOT, "proto")] });
  const pkg = loadPackageDefinition(def) as unknown as { automl: { v1: { Coordinator: new (a: string, c: ReturnType<typeof credentials.createInsecure>) => never } } };
  return new pkg.automl.v1.Coordinator(address, credentials.createInsecure());
}
const call = (fn: Unary, req: object) => new Promise<{ err: ServiceError | null; res: any }>((resolve) => fn(req, (err, res) => resolve({ err, res }))); // eslint-disable-line @typescript-eslint/no-explicit-any

const studyWith = (dataset: string, space = "{ depth: 1, width: 4, activation: relu, learningRate: 0.1, batchSize: 4, epochs: 2 }") => `
name: hostile
dataset: ${dataset}
task: binary
space: ${space}
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 1 }
`;

/**
 * Issue 14 measured this: CreateStudy with `dataset: { path: /etc/passwd, target: root }` was
 * accepted, a worker read its own /etc/passwd, and the trial's error quoted the file's first line
 * ("root:x:0:0:root:/root:/bin/bash") to anyone who could read the study.
 */
describe.skipIf(!available)("hostile input over gRPC: the distributed coordinator", () => {
  const suite = distributedSuite();
  let coordinator: Proc;
  let client: ReturnType<typeof rawCoordinatorClient>;

  beforeAll(async () => {
    coordinator = await startCoordinatorProcess(suite.env);
    suite.procs.push(coordinator);
    client = rawCoordinatorClient(suite.env.AUTOML_COORDINATOR_ADDR!);
  });
  afterAll(() => client?.close());

  it("refuses a dataset path with INVALID_ARGUMENT (upload it), and stores nothing", async () => {
    const { err } = await call(client.CreateStudy.bind(client), { study_file: studyWith("{ path: /etc/passwd, target: root }") });
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/^dataset\.path: .*upload/);
    expect(err?.details).not.toContain("root:x");
    const { res } = await call(client.ListStudies.bind(client), { limit: 10 });
    expect(res.studies).toEqual([]);
    expect(await suite.db.trial.count()).toBe(0);
  });

  it("refuses a study beyond the compute limit, naming the field", async () => {
    const space = "{ depth: 8, width: 4096, activation: relu, learningRate: 0.1, batchSize: 64, epochs: 10000 }";
    const { err } = await call(client.CreateStudy.bind(client), { study_file: studyWith("{ builtin: xor, n: 100000 }", space) });
    expect(err?.code).toBe(status.INVALID_ARGUMENT);
    expect(err?.details).toMatch(/^space: .*epochs × parameters × rows/);
    expect(await suite.db.study.count()).toBe(0);
  });
});

/**
 * The workers' own line of defence, for a path that reaches them anyway (a coordinator that still
 * forwards paths, a message put on the queue by someone else): an `automl worker` process with
 * AUTOML_DATASET_DIRS reads only files under it, after resolving symlinks, and its errors about a
 * file it did read name columns by position, never quoting the file.
 */
describe.skipIf(!available)("hostile input: a worker reads only allow-listed dataset files", () => {
  const names = uniqueStreamNames();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "automl-hostile-")));
  const allowed = join(dir, "datasets");
  let stack: TestStack<never, JetStreamQueue>;
  let worker: Proc | undefined;

  beforeAll(async () => {
    mkdirSync(allowed);
    writeFileSync(join(allowed, "ok.csv"), "secret-col-a,secret-col-b,label\n" + Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2}`).join("\n") + "\n");
    symlinkSync("/etc/passwd", join(allowed, "passwd.csv"));
    // Stands for a coordinator that forwards paths: the embedded stack's setting.
    stack = await startTestStack<never>({ queue: { jetstream: { ...names, ackWaitMs: 5_000, maxDeliver: 2 } }, localDatasetPaths: true, scheduler: { intervalMs: 200 } });
    worker = automl(["worker"], {
      AUTOML_NATS_URL: TEST_NATS_URL,
      AUTOML_NATS_STREAM: names.stream,
      AUTOML_NATS_SUBJECT_PREFIX: names.subjectPrefix,
      AUTOML_COORDINATOR_ADDR: stack.coordinator.address,
      AUTOML_HOME: join(dir, "home"),
      AUTOML_DATASET_DIRS: allowed,
    });
  });
  afterAll(async () => {
    await stop(worker);
    await stack?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function onlyTrial(dataset: string) {
    const { id, status: s } = await stack.runToEnd(studyWith(dataset), { timeoutMs: 90_000 });
    const trials = await stack.db.trial.findMany({ where: { studyId: id } });
    expect(trials).toHaveLength(1);
    return { studyStatus: s, trial: trials[0]! };
  }

  it("refuses /etc/passwd and a symlink to it, with one message that quotes nothing", async () => {
    for (const path of ["/etc/passwd", join(allowed, "passwd.csv"), join(allowed, "..", "..", "..", "etc", "passwd")]) {
      const { trial } = await onlyTrial(`{ path: "${path}", target: root }`);
      expect(trial.status, path).toBe("FAILED");
      expect(trial.error).toMatch(/^dataset\.path: not under a directory this worker may read datasets from \(AUTOML_DATASET_DIRS\)/);
      expect(trial.error).not.toContain("root:");
    }
  });

  it("trains a file under the allowed directory; a bad column there is named by position, not quoted", async () => {
    const ok = await onlyTrial(`{ path: "${join(allowed, "ok.csv")}", target: label }`);
    expect(ok.trial.status).toBe("COMPLETED");
    const bad = await onlyTrial(`{ path: "${join(allowed, "ok.csv")}", target: nope }`);
    expect(bad.trial.status).toBe("FAILED");
    expect(bad.trial.error).toContain('target: column "nope" not found; the file has 3 columns');
    expect(bad.trial.error).not.toContain("secret-col");
  });

  it("the worker logged each refusal", async () => {
    await until(async () => worker!.stderr().includes("dataset path refused"), "the refusal in the worker's log", 5_000);
  });
});
