// AUTOML_BACKEND through the real worker: with auto a tiny network (xor) trains in TypeScript, a
// big enough one on the native backend; tfjs when asked for; the backend lands in Postgres and in `run --json`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcCall, silentLogger } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { loadNative } from "@automl/nn-native";
import { type GetStudyReply, type ListTrialsReply } from "@automl/proto";
import { startTestStack, type TestStack, type TestStackParts } from "@automl/coordinator/testing";
import { startWorker, type RunningWorker } from "@automl/worker";
import { studyJson } from "../../src/format";

const available = await postgresAvailable();
const native = loadNative();
if (!native.backend && process.env.CI === "true") throw new Error(`CI=true but the native backend is unavailable: ${native.reason}`);

const study = (name: string, dataset: string, width: number, batchSize: number, depth = 2) => `
name: ${name}
dataset: ${dataset}
task: binary
space: { depth: ${depth}, width: ${width}, activation: relu, learningRate: 0.05, momentum: 0.9, batchSize: ${batchSize}, epochs: 3 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 2, parallel: 2 }
seed: 3
`;

describe.skipIf(!available || !native.backend)("worker with AUTOML_BACKEND=auto records the backend of each trial", () => {
  let stack: TestStack<RunningWorker>;
  // Two training threads: two native trials at once share the BLAS threads.
  const worker = (backend: "auto" | "tfjs") => (s: TestStackParts) =>
    startWorker({ queue: s.queue, coordinator: s.coordinator.address, pool: "cpu", log: silentLogger(), concurrency: 2, heartbeatMs: 500, backend });

  beforeAll(async () => {
    stack = await startTestStack({ queue: { memory: { ackWaitMs: 10_000, maxDeliver: 3 } }, scheduler: { intervalMs: 200 }, worker: worker("auto") });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  async function runToEnd(text: string) {
    const { id } = await stack.runToEnd(text, { timeoutMs: 110_000 }); // under vitest's 120 s test timeout
    const rows = await stack.db.trial.findMany({ where: { studyId: id }, orderBy: { number: "asc" } });
    const { study } = await grpcCall<GetStudyReply>((md, o, cb) => stack.coord.getStudy({ studyId: id }, md, o, cb));
    const { trials } = await grpcCall<ListTrialsReply>((md, o, cb) => stack.coord.listTrials({ studyId: id, ranked: false, limit: 0, offset: 0 }, md, o, cb));
    return { rows, json: studyJson(study!, trials) };
  }

  it("xor (2-8-1, batch 4: 96 multiply-adds per step) trains in TypeScript", async () => {
    const { rows, json } = await runToEnd(study("xor-auto", "{ builtin: xor, n: 200, noise: 0.2 }", 8, 4, 1));
    expect(rows.map((t) => [t.status, t.backend])).toEqual([
      ["COMPLETED", "js"],
      ["COMPLETED", "js"],
    ]);
    expect(json.trials.map((t) => t.backend)).toEqual(["js", "js"]);
  });

  it("a 2-256-256-1 network at batch 64 trains on the native backend, and learns", async () => {
    const { rows, json } = await runToEnd(study("wide-auto", "{ builtin: moons, n: 400, noise: 0.1 }", 256, 64));
    expect(rows.map((t) => [t.status, t.backend])).toEqual([
      ["COMPLETED", "native"],
      ["COMPLETED", "native"],
    ]);
    for (const t of rows) expect(t.cvMean).toBeGreaterThan(0.75);
    expect(json.trials.map((t) => t.backend)).toEqual(["native", "native"]);
  });

  it("a worker started with AUTOML_BACKEND=tfjs trains every trial on tfjs, and learns", async () => {
    await stack.replaceWorker(worker("tfjs"));
    const { rows, json } = await runToEnd(study("moons-tfjs", "{ builtin: moons, n: 400, noise: 0.1 }", 16, 32));
    expect(rows.map((t) => [t.status, t.backend])).toEqual([
      ["COMPLETED", "tfjs"],
      ["COMPLETED", "tfjs"],
    ]);
    for (const t of rows) expect(t.cvMean).toBeGreaterThan(0.75);
    expect(json.trials.map((t) => t.backend)).toEqual(["tfjs", "tfjs"]);
  });
});
