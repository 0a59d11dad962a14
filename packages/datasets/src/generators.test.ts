import { describe, expect, it } from "vitest";
import { generateDataset } from "./generators";
import { DatasetSpecError, type BuiltinName } from "./types";

function classCounts(y: Float32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const v of y) counts[v]!++;
  return counts;
}

describe("generateDataset", () => {
  const builtins: BuiltinName[] = ["xor", "moons", "circles", "spirals"];

  it.each(builtins)("%s: shapes, defaults, task and finite values", (builtin) => {
    const ds = generateDataset({ builtin }, 1);
    expect(ds.n).toBe(400);
    expect(ds.d).toBe(2);
    expect(ds.X.length).toBe(800);
    expect(ds.y.length).toBe(400);
    expect(ds.featureNames).toEqual(["x1", "x2"]);
    expect(ds.X.every(Number.isFinite)).toBe(true);
    if (builtin === "spirals") {
      expect(ds.task).toBe("multiclass");
      expect(ds.classes).toBe(3);
    } else {
      expect(ds.task).toBe("binary");
      expect(ds.classes).toBe(2);
    }
  });

  it.each(builtins)("%s: deterministic per seed, different across seeds", (builtin) => {
    const a = generateDataset({ builtin, n: 101 }, 7);
    const b = generateDataset({ builtin, n: 101 }, 7);
    const c = generateDataset({ builtin, n: 101 }, 8);
    expect(a.X).toEqual(b.X);
    expect(a.y).toEqual(b.y);
    expect(a.X).not.toEqual(c.X);
  });

  it.each(builtins)("%s: classes balanced to within one example (odd n)", (builtin) => {
    const ds = generateDataset({ builtin, n: 203 }, 3);
    const counts = classCounts(ds.y, ds.classes);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(203);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it("rows are shuffled, not sorted by class", () => {
    const ds = generateDataset({ builtin: "moons", n: 200 }, 1);
    const firstHalf = ds.y.subarray(0, 100);
    const ones = firstHalf.reduce((s, v) => s + v, 0);
    expect(ones).toBeGreaterThan(20);
    expect(ones).toBeLessThan(80);
  });

  it("xor: label is 1 exactly where the coordinate signs differ (low noise)", () => {
    const ds = generateDataset({ builtin: "xor", n: 400, noise: 0.1 }, 2);
    let agree = 0;
    for (let i = 0; i < ds.n; i++) {
      const differ = ds.X[2 * i]! * ds.X[2 * i + 1]! < 0 ? 1 : 0;
      if (differ === ds.y[i]) agree++;
    }
    expect(agree).toBe(400); // std 0.1 around (±1,±1): crossing an axis is a 10-sigma event
  });

  it("circles: outer radius ≈ 1, inner ≈ 0.5; noise 0 is exact", () => {
    const ds = generateDataset({ builtin: "circles", n: 100, noise: 0 }, 4);
    for (let i = 0; i < ds.n; i++) {
      const r = Math.hypot(ds.X[2 * i]!, ds.X[2 * i + 1]!);
      expect(r).toBeCloseTo(ds.y[i] === 0 ? 1 : 0.5, 5);
    }
  });

  it("moons: noise-free points lie on the two half circles", () => {
    const ds = generateDataset({ builtin: "moons", n: 60, noise: 0 }, 4);
    for (let i = 0; i < ds.n; i++) {
      const x = ds.X[2 * i]!;
      const y = ds.X[2 * i + 1]!;
      const r = ds.y[i] === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      expect(r).toBeCloseTo(1, 5);
    }
  });

  it("spirals: honours classes and labels 0..K−1", () => {
    const ds = generateDataset({ builtin: "spirals", n: 500, classes: 5 }, 9);
    expect(ds.classes).toBe(5);
    expect(classCounts(ds.y, 5)).toEqual([100, 100, 100, 100, 100]);
  });

  it("throws errors that name the bad field", () => {
    const bad: [unknown, string][] = [
      [{ builtin: "nope" }, "builtin"],
      [{ builtin: "xor", n: 0 }, "n"],
      [{ builtin: "xor", n: 10.5 }, "n"],
      [{ builtin: "xor", noise: -1 }, "noise"],
      [{ builtin: "xor", noise: Number.NaN }, "noise"],
      [{ builtin: "spirals", classes: 1 }, "classes"],
      [{ builtin: "moons", classes: 3 }, "classes"],
      [{ builtin: "spirals", classes: 5, n: 4 }, "n"],
    ];
    for (const [spec, field] of bad) {
      let err: unknown;
      try {
        generateDataset(spec as never, 1);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DatasetSpecError);
      expect((err as DatasetSpecError).field).toBe(field);
      expect((err as Error).message).toContain(field);
    }
  });
});
