import { afterEach, describe, expect, it } from "vitest";
import { TrialSpec } from "@automl/proto";
import { silentLogger } from "@automl/common";
import { JetStreamQueue, MemoryQueue, type Delivery, type QueueConsumer, type TrialQueue } from "../src/index";
import { natsAvailable, TEST_NATS_URL, uniqueStreamNames } from "../src/testing";

const natsUp = await natsAvailable();
const opts = { ackWaitMs: 1_000, maxDeliver: 3 };

type Harness = { queue: TrialQueue & { publishRaw(pool: string, data: Uint8Array): Promise<void> }; cleanup(): Promise<void> };

const implementations: { name: string; enabled: boolean; make(): Promise<Harness> }[] = [
  {
    name: "MemoryQueue",
    enabled: true,
    async make() {
      const queue = new MemoryQueue(silentLogger(), opts);
      return { queue, cleanup: () => queue.close() };
    },
  },
  {
    name: "JetStreamQueue",
    enabled: natsUp,
    async make() {
      const queue = await JetStreamQueue.connect({ url: TEST_NATS_URL, log: silentLogger(), ...opts, ...uniqueStreamNames() });
      return {
        queue,
        async cleanup() {
          await queue.deleteStream();
          await queue.close();
        },
      };
    },
  },
];

function spec(trialId: string): TrialSpec {
  return TrialSpec.fromPartial({ trialId, studyId: "s1", widths: [4, 4], activation: "relu", learningRate: 0.1 });
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Collects deliveries until `until` holds or the time runs out. */
async function collect(queue: TrialQueue, onDelivery: (d: Delivery, all: Delivery[]) => Promise<void>, until: (all: Delivery[]) => boolean, timeoutMs = 8_000) {
  const all: Delivery[] = [];
  const consumer: QueueConsumer = await queue.consume("cpu", async (d) => {
    all.push(d);
    await onDelivery(d, all);
  }, { concurrency: 2 });
  const start = Date.now();
  while (!until(all) && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 50));
  await consumer.stop();
  return all;
}

for (const impl of implementations) {
  describe.skipIf(!impl.enabled)(`TrialQueue conformance: ${impl.name}`, () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.cleanup();
      h = undefined;
    });

    it("delivers a published spec intact, once, and ack ends it", async () => {
      h = await impl.make();
      await h.queue.publish("cpu", spec("t1"));
      const got = await collect(h.queue, (d) => d.ack(), (all) => all.length >= 1);
      await new Promise((r) => setTimeout(r, 1_500)); // past the ack deadline: nothing comes back
      const again = await collect(h.queue, (d) => d.ack(), () => false, 500);
      expect(got.map((d) => [d.spec.trialId, d.attempt, d.spec.widths])).toEqual([["t1", 1, [4, 4]]]);
      expect(again).toHaveLength(0);
    });

    it("drops a republished dispatch of the same trial (dedup)", async () => {
      h = await impl.make();
      await h.queue.publish("cpu", spec("t2"));
      await h.queue.publish("cpu", spec("t2"));
      const got = await collect(h.queue, (d) => d.ack(), () => false, 1_500);
      expect(got.map((d) => d.spec.trialId)).toEqual(["t2"]);
    });

    it("redelivers after nak with the next attempt number", async () => {
      h = await impl.make();
      await h.queue.publish("cpu", spec("t3"));
      const got = await collect(
        h.queue,
        async (d) => (d.attempt === 1 ? d.nak() : d.ack()),
        (all) => all.length >= 2,
      );
      expect(got.map((d) => d.attempt)).toEqual([1, 2]);
    });

    it("redelivers an unacked trial after the ack deadline, at most maxDeliver times", async () => {
      h = await impl.make();
      await h.queue.publish("cpu", spec("t4"));
      // Never ack: like a worker that died mid-trial.
      const got = await collect(h.queue, async () => {}, () => false, 5_000);
      // Redelivered, and never past maxDeliver. (On JetStream a redelivery can race a pull request
      // that just expired; the server then counts a delivery the client never saw, so the numbers
      // seen are increasing but may skip one.)
      const attempts = got.map((d) => d.attempt);
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts[0]).toBe(1);
      expect(Math.max(...attempts)).toBeLessThanOrEqual(3);
      expect(attempts.every((a, i) => i === 0 || a >= attempts[i - 1]!)).toBe(true);
      expect(new Set(got.map((d) => d.spec.trialId))).toEqual(new Set(["t4"]));
    });

    it("working() holds the deadline off", async () => {
      h = await impl.make();
      await h.queue.publish("cpu", spec("t5"));
      const got = await collect(
        h.queue,
        async (d) => {
          for (let i = 0; i < 6; i++) {
            await new Promise((r) => setTimeout(r, 300)); // 1.8 s in all, past the 1 s deadline
            d.working();
          }
          await d.ack();
        },
        () => false,
        3_500,
      );
      expect(got.map((d) => d.attempt)).toEqual([1]);
    });

    it("delivers a study's cancellation to every control subscriber, until it unsubscribes", async () => {
      h = await impl.make();
      const a: string[] = [];
      const b: string[] = [];
      const subA = await h.queue.onCancel((id) => a.push(id));
      const subB = await h.queue.onCancel((id) => b.push(id));
      await h.queue.publishCancel("study-1");
      await waitFor(() => a.length >= 1 && b.length >= 1);
      await subB.close();
      await h.queue.publishCancel("study_2");
      await waitFor(() => a.length >= 2);
      await new Promise((r) => setTimeout(r, 200)); // time for a stray delivery to B to show up
      await subA.close();
      expect(a).toEqual(["study-1", "study_2"]);
      expect(b).toEqual(["study-1"]);
    });

    it("refuses a study id that would address other control subjects", async () => {
      h = await impl.make();
      await expect(h.queue.publishCancel("a.b")).rejects.toThrow(/studyId/);
      await expect(h.queue.publishCancel("*")).rejects.toThrow(/studyId/);
      await expect(h.queue.publishCancel("")).rejects.toThrow(/studyId/);
    });

    it("reports the depth of a pool: waiting, then delivered and unacked", async () => {
      h = await impl.make();
      for (const id of ["d1", "d2", "d3"]) await h.queue.publish("depth", spec(id));
      await waitFor(async () => (await h!.queue.depth("depth")).pending === 3);
      expect(await h.queue.depth("depth")).toEqual({ pending: 3, ackPending: 0 });
      // One delivery held unacked by a consumer with one slot.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const consumer = await h.queue.consume("depth", async (d) => {
        await held;
        await d.ack();
      });
      await waitFor(async () => (await h!.queue.depth("depth")).ackPending === 1);
      expect(await h.queue.depth("depth")).toEqual({ pending: 2, ackPending: 1 });
      release();
      await consumer.stop();
      expect((await h.queue.depth("other")).pending).toBe(0);
    });

    it("terminates a malformed message without calling the handler and keeps consuming", async () => {
      h = await impl.make();
      await h.queue.publishRaw("cpu", new Uint8Array([0xff, 0xff, 0xff, 0x01]));
      await h.queue.publish("cpu", spec("t6"));
      const got = await collect(h.queue, (d) => d.ack(), () => false, 2_500);
      expect(got.map((d) => d.spec.trialId)).toEqual(["t6"]);
    });
  });
}
