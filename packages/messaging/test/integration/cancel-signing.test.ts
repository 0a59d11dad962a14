import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import { createLogger, type Logger } from "@automl/common";
import { JetStreamQueue, signCancel } from "../../src/index";
import { natsAvailable, TEST_NATS_URL, uniqueStreamNames } from "../../src/testing";

const available = await natsAvailable();
const KEY = "cancel-key-for-this-test-0123456789abcdef";

/** A logger whose JSON lines are kept for the test to read. */
function capturingLogger(): { log: Logger; lines(): Record<string, unknown>[] } {
  let out = "";
  const log = createLogger("t", "info", new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }));
  return { log, lines: () => out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function eventually<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!available)("cancel broadcasts on JetStream, signed with AUTOML_CANCEL_KEY", () => {
  const names = uniqueStreamNames();
  let raw: NatsConnection;
  beforeAll(async () => {
    raw = await connect({ servers: TEST_NATS_URL });
  });
  afterAll(async () => {
    await raw?.close();
  });
  const subject = (studyId: string) => `${names.subjectPrefix}.control.cancel.${studyId}`;

  it("with a key: the coordinator's cancel is obeyed; unsigned, foreign-keyed and replayed ones are ignored and logged at warn", async () => {
    const coordinator = await JetStreamQueue.connect({ url: TEST_NATS_URL, log: createLogger("c", "silent"), ...names, cancelKey: KEY });
    const w = capturingLogger();
    const worker = await JetStreamQueue.connect({ url: TEST_NATS_URL, log: w.log, ...names, cancelKey: KEY });
    try {
      const heard: string[] = [];
      // A copy of every cancel as it crossed the wire, for the replay below.
      const wire: Uint8Array[] = [];
      const tap = raw.subscribe(subject("legit"), { callback: (_e, m) => void wire.push(m.data) });
      await raw.flush();
      const sub = await worker.onCancel((id) => heard.push(id));
      await coordinator.publishCancel("legit");
      await eventually(() => (heard.includes("legit") && wire.length ? true : undefined), "the signed cancel");

      raw.publish(subject("unsigned"));
      raw.publish(subject("foreign"), signCancel("another-key-another-key-another-key!", subject("foreign")));
      raw.publish(subject("legit"), wire[0]!); // the captured cancel, sent again
      raw.publish(subject("moved"), wire[0]!); // and re-addressed to another study
      const ignored = await eventually(() => {
        const l = w.lines().filter((x) => x.msg === "cancel ignored: not signed with AUTOML_CANCEL_KEY");
        return l.length === 4 ? l : undefined;
      }, "four ignored cancels");
      expect(ignored.map((l) => [l.level, l.studyId, l.reason])).toEqual([
        [40, "unsigned", "unsigned"],
        [40, "foreign", "bad signature"],
        [40, "legit", "replayed (nonce already seen)"],
        [40, "moved", "bad signature"],
      ]);
      expect(heard).toEqual(["legit"]);
      // Never the key in a log line.
      expect(JSON.stringify(w.lines())).not.toContain(KEY);
      await sub.close();
      tap.unsubscribe();
    } finally {
      await worker.close();
      await coordinator.deleteStream();
      await coordinator.close();
    }
  });

  it("without a key: every cancel is obeyed, and the worker says once that cancels are not authenticated", async () => {
    const w = capturingLogger();
    const worker = await JetStreamQueue.connect({ url: TEST_NATS_URL, log: w.log, ...names });
    try {
      const heard: string[] = [];
      const sub = await worker.onCancel((id) => heard.push(id));
      const sub2 = await worker.onCancel(() => {});
      raw.publish(subject("a"));
      raw.publish(subject("b"), signCancel(KEY, subject("b")));
      await eventually(() => (heard.length === 2 ? true : undefined), "both cancels");
      expect(heard).toEqual(["a", "b"]);
      const warnings = w.lines().filter((l) => String(l.msg).startsWith("AUTOML_CANCEL_KEY is not set"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 40 });
      await sub.close();
      await sub2.close();
    } finally {
      await worker.deleteStream();
      await worker.close();
    }
  });
});
