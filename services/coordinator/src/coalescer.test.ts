import { describe, expect, it } from "vitest";
import { Coalescer } from "./coalescer";

const tick = () => new Promise((r) => setImmediate(r));

describe("Coalescer", () => {
  it("answers each call with its own output, gathering concurrent calls into few batches", async () => {
    const batches: number[][] = [];
    const c = new Coalescer<number, number>(
      async (xs) => {
        batches.push(xs);
        await tick();
        return xs.map((x) => x * 10);
      },
      { maxBatch: 100, maxInFlight: 1, key: String },
    );
    const out = await Promise.all(Array.from({ length: 50 }, (_, i) => c.call(i)));
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(batches.length).toBeLessThan(50);
  });

  it("never puts two items with the same key in one batch, and respects maxBatch and maxInFlight", async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let maxSeen = 0;
    const c = new Coalescer<string, string>(
      async (xs) => {
        inFlight++;
        maxSeen = Math.max(maxSeen, inFlight);
        batches.push(xs);
        await tick();
        inFlight--;
        return xs.map((x) => x.toUpperCase());
      },
      { maxBatch: 3, maxInFlight: 2, key: (x) => x },
    );
    const items = ["a", "a", "b", "c", "d", "e", "a", "f", "g"];
    expect(await Promise.all(items.map((x) => c.call(x)))).toEqual(items.map((x) => x.toUpperCase()));
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(3);
      expect(new Set(b).size).toBe(b.length);
    }
    expect(maxSeen).toBeLessThanOrEqual(2);
  });

  it("when a batch fails, retries its items one by one so only the bad one fails", async () => {
    const c = new Coalescer<number, number>(
      async (xs) => {
        if (xs.includes(13)) throw new Error("13 cannot be written");
        return xs.map((x) => x + 1);
      },
      { maxBatch: 10, maxInFlight: 1, key: String },
    );
    const results = await Promise.allSettled([1, 13, 2].map((x) => c.call(x)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe("13 cannot be written");
    expect((results[0] as PromiseFulfilledResult<number>).value).toBe(2);
  });

  it("rejects every item of a batch whose call answered the wrong number of outputs", async () => {
    const c = new Coalescer<number, number>(async () => [], { maxBatch: 10, maxInFlight: 1, key: String });
    await expect(c.call(1)).rejects.toThrow(/answered 0 of 1/);
  });
});
