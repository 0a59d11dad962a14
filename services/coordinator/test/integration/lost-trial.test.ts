import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcCall } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { TrialStatus, type CreateStudyReply, type StartTrialReply } from "@automl/proto";
import { startTestStack, type TestStack } from "../../src/testing";

const available = await postgresAvailable();

/** A trial whose worker went silent on its last allowed delivery: the queue will not retry it, so the coordinator must end it. */
describe.skipIf(!available)("a trial lost on its last delivery", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ queue: { memory: { ackWaitMs: 60_000, maxDeliver: 1 } }, scheduler: { intervalMs: 100, ackWaitMs: 300, maxDeliver: 1 } });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it("is recorded FAILED with the reason, and the study still finishes", async () => {
    const { db, coord, report } = stack;
    const { study } = await grpcCall<CreateStudyReply>((md, o, cb) =>
      coord.createStudy({ studyFile: `name: lost\ndataset: { builtin: xor }\ntask: binary\nspace: { depth: 1, width: 4, learningRate: 0.1, batchSize: 8, epochs: 1 }\nobjective: { metric: accuracy, direction: maximize }\nbudget: { trials: 1 }` }, md, o, cb),
    );
    let trial = await db.trial.findFirst({ where: { studyId: study!.id } });
    for (let i = 0; !trial && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      trial = await db.trial.findFirst({ where: { studyId: study!.id } });
    }
    // A worker starts it (delivery 1 of 1) and is never heard from again.
    await grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId: trial!.id, attempt: 1, workerId: "ghost" }, md, o, cb));
    let s = await db.study.findUniqueOrThrow({ where: { id: study!.id } });
    for (let i = 0; s.status === "RUNNING" && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await db.study.findUniqueOrThrow({ where: { id: study!.id } });
    }
    expect(s.status).toBe("COMPLETED");
    const t = await db.trial.findUniqueOrThrow({ where: { id: trial!.id } });
    expect(t.status).toBe("FAILED");
    expect(t.error).toContain("no report from worker ghost on attempt 1 of 1");
  });
});

/** A running trial whose message is gone (e.g. acked by a stale worker) is dispatched again under a new message id. */
describe.skipIf(!available)("a silent trial with attempts left", () => {
  it("is dispatched again under a new message id and started as attempt 2", async () => {
    const seen: { trialId: string; dispatch: number }[] = [];
    const stack = await startTestStack({
      // The queue itself never redelivers within the test (long ack wait): only the sweep can.
      queue: { memory: { ackWaitMs: 60_000, maxDeliver: 5 } },
      scheduler: { intervalMs: 100, ackWaitMs: 250, maxDeliver: 3 },
      worker: (s) =>
        s.queue.consume("cpu", async (d) => {
          seen.push({ trialId: d.spec.trialId, dispatch: d.spec.dispatch });
          await d.ack(); // like a worker whose ack removed the message, then went silent
        }),
    });
    const { db, coord, report } = stack;
    try {
      await grpcCall<CreateStudyReply>((md, o, cb) =>
        coord.createStudy({ studyFile: `name: silent\ndataset: { builtin: xor }\ntask: binary\nspace: { depth: 1, width: 4, learningRate: 0.1, batchSize: 8, epochs: 1 }\nobjective: { metric: accuracy, direction: maximize }\nbudget: { trials: 1 }` }, md, o, cb),
      );
      for (let i = 0; seen.length < 1 && i < 50; i++) await new Promise((r) => setTimeout(r, 100));
      const trialId = seen[0]!.trialId;
      const first = await grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId, attempt: 1, workerId: "gone" }, md, o, cb));
      expect(first.attempt).toBe(1);
      for (let i = 0; seen.length < 2 && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
      expect(seen.map((s) => [s.trialId, s.dispatch])).toEqual([[trialId, 0], [trialId, 2]]);
      const second = await grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId, attempt: 1, workerId: "fresh" }, md, o, cb));
      expect(second).toMatchObject({ proceed: true, attempt: 2 });
      const t = await db.trial.findUniqueOrThrow({ where: { id: trialId } });
      expect([t.status, t.attempt, t.workerId]).toEqual(["RUNNING", 2, "fresh"]);
    } finally {
      await stack.dispose();
    }
  });
});

/**
 * A delivery can be spent without a start (handed to a pull request of a worker that just died),
 * and the sweep then dispatches the trial again under a new message id: the queue's max_deliver
 * does not bound how often a trial starts, so the coordinator does.
 */
describe.skipIf(!available)("a trial whose attempts are used up", () => {
  it("is not started again: the next StartTrial records it FAILED and answers proceed=false", async () => {
    const stack = await startTestStack({
      queue: { memory: { ackWaitMs: 60_000, maxDeliver: 5 } },
      // A long sweep period: only the StartTrials of this test decide.
      scheduler: { intervalMs: 60_000, ackWaitMs: 60_000, maxDeliver: 2 },
    });
    const { db, coord, report } = stack;
    try {
      const { study } = await grpcCall<CreateStudyReply>((md, o, cb) =>
        coord.createStudy({ studyFile: `name: used-up\ndataset: { builtin: xor }\ntask: binary\nspace: { depth: 1, width: 4, learningRate: 0.1, batchSize: 8, epochs: 1 }\nobjective: { metric: accuracy, direction: maximize }\nbudget: { trials: 1 }` }, md, o, cb),
      );
      let trial = await db.trial.findFirst({ where: { studyId: study!.id } });
      for (let i = 0; !trial && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 100));
        trial = await db.trial.findFirst({ where: { studyId: study!.id } });
      }
      const start = (workerId: string) => grpcCall<StartTrialReply>((md, o, cb) => report.startTrial({ trialId: trial!.id, attempt: 1, workerId }, md, o, cb));
      expect(await start("w1")).toMatchObject({ proceed: true, attempt: 1 });
      expect(await start("w2")).toMatchObject({ proceed: true, attempt: 2 });
      const third = await start("w3");
      expect(third).toMatchObject({ proceed: false, attempt: 2, status: TrialStatus.TRIAL_STATUS_FAILED });
      const t = await db.trial.findUniqueOrThrow({ where: { id: trial!.id } });
      expect([t.status, t.attempt, t.workerId]).toEqual(["FAILED", 2, "w2"]);
      expect(t.error).toBe("no report from worker w2 on attempt 2 of 2");
      // Asked again (another stale delivery): settled, nothing changes.
      expect(await start("w4")).toMatchObject({ proceed: false, status: TrialStatus.TRIAL_STATUS_FAILED });
    } finally {
      await stack.dispose();
    }
  });
});
