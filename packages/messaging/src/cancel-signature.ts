import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The cancel broadcast's signature: HMAC-SHA256 under AUTOML_CANCEL_KEY (shared by the
 * coordinators and the workers) over the NATS subject (which names the study), a timestamp and a
 * random nonce. Workers stop trials only on a valid one: a client that can reach NATS, even one
 * allowed to publish the subject, cannot forge a cancellation without the key, and a captured one
 * replays neither outside its time window nor twice within it.
 */
export interface SignedCancel {
  v: 1;
  /** Milliseconds since the epoch, at the coordinator. */
  ts: number;
  /** 16 random bytes, hex. */
  nonce: string;
  /** HMAC-SHA256, base64url. */
  sig: string;
}

/** How far a cancel's timestamp may be from the worker's clock (either way); clock skew plus delivery. */
export const CANCEL_WINDOW_MS = 5 * 60_000;

function mac(key: string, subject: string, ts: number, nonce: string): Buffer {
  return createHmac("sha256", key).update(`automl-cancel-v1\n${subject}\n${ts}\n${nonce}`).digest();
}

/** The payload of a signed cancel on `subject`. */
export function signCancel(key: string, subject: string, now = Date.now()): Uint8Array {
  const nonce = randomBytes(16).toString("hex");
  const msg: SignedCancel = { v: 1, ts: now, nonce, sig: mac(key, subject, now, nonce).toString("base64url") };
  return new TextEncoder().encode(JSON.stringify(msg));
}

/**
 * Checks cancel payloads against a key; remembers the nonces it accepted within the window, so a
 * replayed message is refused. `check` answers undefined for a valid cancel, else the reason.
 */
export class CancelVerifier {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly key: string,
    private readonly windowMs = CANCEL_WINDOW_MS,
  ) {}

  check(subject: string, payload: Uint8Array, now = Date.now()): string | undefined {
    if (payload.length === 0) return "unsigned";
    let msg: Partial<SignedCancel>;
    try {
      msg = JSON.parse(new TextDecoder().decode(payload)) as Partial<SignedCancel>;
    } catch {
      return "malformed payload";
    }
    if (msg.v !== 1 || typeof msg.ts !== "number" || !Number.isFinite(msg.ts) || typeof msg.nonce !== "string" || !/^[0-9a-f]{32}$/.test(msg.nonce) || typeof msg.sig !== "string") {
      return "malformed payload";
    }
    const given = Buffer.from(msg.sig, "base64url");
    const expected = mac(this.key, subject, msg.ts, msg.nonce);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "bad signature";
    if (Math.abs(now - msg.ts) > this.windowMs) return `timestamp outside the ${Math.round(this.windowMs / 1000)} s window (clock skew, or a replay)`;
    for (const [nonce, ts] of this.seen) {
      if (Math.abs(now - ts) <= this.windowMs) break; // insertion order ≈ time order
      this.seen.delete(nonce);
    }
    if (this.seen.has(msg.nonce)) return "replayed (nonce already seen)";
    this.seen.set(msg.nonce, msg.ts);
    return undefined;
  }
}
