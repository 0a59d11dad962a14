import { describe, expect, it } from "vitest";
import { AppError } from "./errors";
import { withRetry } from "./grpc";

/** A function that fails with `code` the first `failures` times, then returns "ok". */
function flaky(failures: number, code: AppError["code"] = "UNAVAILABLE") {
  let calls = 0;
  const fn = async () => {
    calls++;
    if (calls <= failures) throw new AppError(code, `down (${calls})`);
    return "ok";
  };
  return { fn, calls: () => calls };
}

describe("withRetry", () => {
  it("retries UNAVAILABLE until it succeeds, calling onWait before each wait", async () => {
    const f = flaky(3);
    let waits = 0;
    expect(await withRetry(f.fn, { baseMs: 1, onWait: () => waits++ })).toBe("ok");
    expect(f.calls()).toBe(4);
    expect(waits).toBe(3);
  });

  it("gives up after `attempts` and throws the last error", async () => {
    const f = flaky(10);
    await expect(withRetry(f.fn, { attempts: 3, baseMs: 1 })).rejects.toThrow("down (3)");
    expect(f.calls()).toBe(3);
  });

  it("passes other codes through at once", async () => {
    const f = flaky(1, "INTERNAL");
    await expect(withRetry(f.fn, { baseMs: 1 })).rejects.toMatchObject({ code: "INTERNAL" });
    expect(f.calls()).toBe(1);
  });

  it("with forMs, retries by elapsed time with capped waits", async () => {
    const f = flaky(1_000_000);
    const started = Date.now();
    await expect(withRetry(f.fn, { forMs: 150, baseMs: 1, maxDelayMs: 10 })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    // Capped waits of ≤10 ms over ≥150 ms: many tries, not the handful an uncapped doubling would give.
    expect(f.calls()).toBeGreaterThan(8);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("stops when giveUp says so", async () => {
    const f = flaky(100);
    await expect(withRetry(f.fn, { forMs: 60_000, baseMs: 1, giveUp: () => f.calls() >= 2 })).rejects.toThrow("down (2)");
  });
});
