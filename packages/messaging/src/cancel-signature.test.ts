import { describe, expect, it } from "vitest";
import { CANCEL_WINDOW_MS, CancelVerifier, signCancel } from "./cancel-signature";

const KEY = "k".repeat(32);
const SUBJECT = "automl.control.cancel.study-1";
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

describe("signed cancel broadcasts", () => {
  it("accepts a cancel signed with the key for its subject, once", () => {
    const v = new CancelVerifier(KEY);
    const signed = signCancel(KEY, SUBJECT);
    expect(v.check(SUBJECT, signed)).toBeUndefined();
    expect(v.check(SUBJECT, signed)).toBe("replayed (nonce already seen)");
  });

  it("refuses an unsigned, malformed, wrongly keyed or re-addressed cancel", () => {
    const v = new CancelVerifier(KEY);
    expect(v.check(SUBJECT, new Uint8Array())).toBe("unsigned");
    expect(v.check(SUBJECT, bytes("not json"))).toBe("malformed payload");
    expect(v.check(SUBJECT, bytes(JSON.stringify({ v: 1, ts: Date.now() })))).toBe("malformed payload");
    expect(v.check(SUBJECT, signCancel("x".repeat(32), SUBJECT))).toBe("bad signature");
    // A signature for one study does not cancel another.
    expect(v.check("automl.control.cancel.study-2", signCancel(KEY, SUBJECT))).toBe("bad signature");
    // Nor does editing the timestamp of a valid one.
    const msg = JSON.parse(text(signCancel(KEY, SUBJECT))) as { ts: number };
    expect(v.check(SUBJECT, bytes(JSON.stringify({ ...msg, ts: msg.ts + 1 })))).toBe("bad signature");
  });

  it("refuses a validly signed cancel whose timestamp is outside the window", () => {
    const v = new CancelVerifier(KEY);
    const now = Date.now();
    expect(v.check(SUBJECT, signCancel(KEY, SUBJECT, now - CANCEL_WINDOW_MS - 1), now)).toMatch(/outside the 300 s window/);
    expect(v.check(SUBJECT, signCancel(KEY, SUBJECT, now + CANCEL_WINDOW_MS + 1), now)).toMatch(/outside/);
    expect(v.check(SUBJECT, signCancel(KEY, SUBJECT, now - CANCEL_WINDOW_MS + 1_000), now)).toBeUndefined();
  });

  it("forgets nonces once they are out of the window (the window refuses them anyway)", () => {
    const v = new CancelVerifier(KEY, 1_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 100; i++) expect(v.check(SUBJECT, signCancel(KEY, SUBJECT, t0), t0)).toBeUndefined();
    expect(v.check(SUBJECT, signCancel(KEY, SUBJECT, t0 + 5_000), t0 + 5_000)).toBeUndefined();
    expect((v as unknown as { seen: Map<string, number> }).seen.size).toBe(1);
  });
});
