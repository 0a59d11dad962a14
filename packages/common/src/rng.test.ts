import { describe, expect, it } from "vitest";
import { createRng } from "./rng";

function draws(seed: number, count: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => rng.next());
}

describe("createRng", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    expect(draws(42, 100)).toEqual(draws(42, 100));
    expect(draws(42, 100)).not.toEqual(draws(43, 100));
    // Seeds that would collide if truncated to 32-bit integers stay distinct.
    expect(draws(1, 10)).not.toEqual(draws(1 + 2 ** 32, 10));
    expect(draws(1, 10)).not.toEqual(draws(1.5, 10));
    expect(draws(0, 10)).toEqual(draws(-0, 10));
  });

  it("rejects non-finite seeds", () => {
    expect(() => createRng(Number.NaN)).toThrow(/seed/);
    expect(() => createRng(Infinity)).toThrow(/seed/);
  });

  it("next() is in [0,1) with mean ≈ 1/2", () => {
    const xs = draws(7, 20000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it("int(n) covers [0,n) roughly uniformly", () => {
    const rng = createRng(3);
    const counts = new Array<number>(10).fill(0);
    let nonInteger = 0;
    for (let i = 0; i < 50000; i++) {
      const v = rng.int(10);
      if (!Number.isInteger(v)) nonInteger++;
      counts[v]!++;
    }
    expect(nonInteger).toBe(0);
    // Expected 5000 each; sd ≈ 67, so ±400 is ~6 sd.
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(400);
    expect(() => rng.int(0)).toThrow(/n must be/);
    expect(() => rng.int(2.5)).toThrow(/n must be/);
  });

  it("normal() has mean ≈ 0 and variance ≈ 1", () => {
    const rng = createRng(11);
    const n = 40000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
    }
    const mean = s / n;
    expect(Number.isFinite(s2)).toBe(true);
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.04);
  });

  it("shuffle permutes arrays and Int32Arrays deterministically", () => {
    const a = Array.from({ length: 50 }, (_, i) => `x${i}`);
    const b = Int32Array.from({ length: 50 }, (_, i) => i);
    createRng(5).shuffle(a);
    createRng(5).shuffle(b);
    expect([...a].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `x${i}`).sort());
    expect([...b].sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Same seed → same permutation for both container types.
    expect(a.map((s) => Number(s.slice(1)))).toEqual([...b]);
    expect([...b]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("fork gives independent, reproducible streams that ignore prior draws", () => {
    const root = createRng(9);
    const f1 = Array.from({ length: 5 }, ((r) => () => r.next())(root.fork(1)));
    root.next();
    root.next();
    const f1again = Array.from({ length: 5 }, ((r) => () => r.next())(root.fork(1)));
    const f2 = Array.from({ length: 5 }, ((r) => () => r.next())(root.fork(2)));
    expect(f1again).toEqual(f1);
    expect(f2).not.toEqual(f1);
    expect(f1).not.toEqual(draws(9, 5));
    // Fork chains are ordered.
    const ab = createRng(9).fork(1).fork(2).next();
    const ba = createRng(9).fork(2).fork(1).next();
    expect(ab).not.toBe(ba);
    // Different roots give different forks.
    expect(createRng(10).fork(1).next()).not.toBe(createRng(9).fork(1).next());
  });
});
