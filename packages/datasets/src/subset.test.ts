import { describe, expect, it } from "vitest";
import { stratifiedSubset } from "./subset";
import { DatasetSpecError, type Dataset } from "./types";

// 100 rows, classes 0/1/2 with 50/31/19 rows; x = row index so picked rows can be traced.
function uneven(): Dataset {
  const n = 100;
  const y = Float32Array.from({ length: n }, (_, i) => (i < 50 ? 0 : i < 81 ? 1 : 2));
  const X = Float32Array.from({ length: n * 2 }, (_, k) => (k % 2 === 0 ? k / 2 : -k));
  return { X, y, n, d: 2, task: "multiclass", classes: 3, featureNames: ["i", "j"], classNames: ["a", "b", "c"] };
}

function counts(y: Float32Array, K: number): number[] {
  const c = new Array<number>(K).fill(0);
  for (const v of y) c[v]!++;
  return c;
}

describe("stratifiedSubset", () => {
  it("keeps each class's share within rounding, and rows stay intact", () => {
    const ds = uneven();
    for (const n of [3, 10, 33, 57, 99, 100]) {
      const sub = stratifiedSubset(ds, n, 4);
      expect(sub.n).toBe(n);
      const c = counts(sub.y, 3);
      expect(c.reduce((s, v) => s + v, 0)).toBe(n);
      [50, 31, 19].forEach((Nc, k) => {
        expect(c[k]).toBeGreaterThanOrEqual(Math.floor((n * Nc) / 100));
        expect(c[k]).toBeLessThanOrEqual(Math.ceil((n * Nc) / 100));
      });
      const seen = new Set<number>();
      for (let r = 0; r < n; r++) {
        const src = sub.X[2 * r]!;
        expect(sub.X[2 * r + 1]).toBe(-(2 * src + 1));
        expect(sub.y[r]).toBe(ds.y[src]);
        seen.add(src);
      }
      expect(seen.size).toBe(n); // no row twice
    }
  });

  it("is deterministic per seed, differs across seeds, and shuffles classes together", () => {
    const ds = uneven();
    const a = stratifiedSubset(ds, 40, 1);
    expect(stratifiedSubset(ds, 40, 1)).toEqual(a);
    expect(stratifiedSubset(ds, 40, 2).X).not.toEqual(a.X);
    expect([...a.y.subarray(0, 20)].some((c) => c !== 0)).toBe(true);
  });

  it("copies metadata; regression gives a uniform subset", () => {
    const sub = stratifiedSubset(uneven(), 10, 1);
    expect(sub.classNames).toEqual(["a", "b", "c"]);
    expect(sub.featureNames).toEqual(["i", "j"]);
    const reg: Dataset = { ...uneven(), task: "regression", classes: 0, y: Float32Array.from({ length: 100 }, (_, i) => i / 10) };
    const r = stratifiedSubset(reg, 30, 3);
    expect(r.n).toBe(30);
    for (let i = 0; i < 30; i++) expect(r.y[i]).toBe(Math.fround(r.X[2 * i]! / 10));
  });

  it("rejects bad n and seed", () => {
    for (const n of [0, 101, 2.5]) expect(() => stratifiedSubset(uneven(), n, 1)).toThrow(DatasetSpecError);
    expect(() => stratifiedSubset(uneven(), 5, Number.NaN)).toThrow(/seed/);
  });
});
