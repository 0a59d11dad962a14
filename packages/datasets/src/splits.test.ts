import { describe, expect, it } from "vitest";
import { generateDataset } from "./generators";
import { kFoldSplits } from "./splits";
import { DatasetSpecError } from "./types";

function expectPartition(splits: { train: Int32Array; test: Int32Array }[], n: number): void {
  const seen = new Int32Array(n);
  for (const { train, test } of splits) {
    expect(train.length + test.length).toBe(n);
    const inTest = new Set(test);
    expect(inTest.size).toBe(test.length);
    for (const i of train) expect(inTest.has(i)).toBe(false);
    for (const i of test) seen[i]!++;
  }
  expect([...seen].every((c) => c === 1)).toBe(true);
  const sizes = splits.map((s) => s.test.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
}

describe("kFoldSplits", () => {
  // 3 classes with uneven sizes 50 / 31 / 19 (n = 100).
  const y = new Float32Array(100);
  for (let i = 0; i < 100; i++) y[i] = i < 50 ? 0 : i < 81 ? 1 : 2;

  it.each([true, false])("stratified=%s: folds partition the indices", (stratified) => {
    for (const k of [2, 3, 5, 7, 100]) expectPartition(kFoldSplits(y, k, { stratified, seed: 1 }), 100);
  });

  it("stratified: every fold holds ⌊n_c/k⌋ or ⌈n_c/k⌉ of each class", () => {
    const k = 7;
    for (const { test } of kFoldSplits(y, k, { stratified: true, seed: 3 })) {
      const counts = [0, 0, 0];
      for (const i of test) counts[y[i]!]!++;
      [50, 31, 19].forEach((nc, c) => {
        expect(counts[c]).toBeGreaterThanOrEqual(Math.floor(nc / k));
        expect(counts[c]).toBeLessThanOrEqual(Math.ceil(nc / k));
      });
    }
  });

  it("stratified on a generated dataset keeps the 50/50 balance within one example", () => {
    const ds = generateDataset({ builtin: "moons", n: 203 }, 5);
    for (const { test } of kFoldSplits(ds.y, 5, { stratified: true, seed: 5 })) {
      const ones = test.reduce((s, i) => s + ds.y[i]!, 0);
      const zeros = test.length - ones;
      expect(Math.abs(ones - zeros)).toBeLessThanOrEqual(1);
    }
  });

  it("is deterministic per seed and shuffles across seeds", () => {
    const a = kFoldSplits(y, 5, { stratified: true, seed: 11 });
    const b = kFoldSplits(y, 5, { stratified: true, seed: 11 });
    const c = kFoldSplits(y, 5, { stratified: true, seed: 12 });
    expect(a).toEqual(b);
    expect(a.map((s) => [...s.test])).not.toEqual(c.map((s) => [...s.test]));
    // Not contiguous blocks: the first test fold spans the index range.
    const first = a[0]!.test;
    expect(first[first.length - 1]! - first[0]!).toBeGreaterThan(50);
  });

  it("test and train index arrays are sorted", () => {
    for (const { train, test } of kFoldSplits(y, 4, { stratified: false, seed: 2 })) {
      for (let i = 1; i < test.length; i++) expect(test[i]!).toBeGreaterThan(test[i - 1]!);
      for (let i = 1; i < train.length; i++) expect(train[i]!).toBeGreaterThan(train[i - 1]!);
    }
  });

  it("rejects bad k and non-class labels when stratified", () => {
    expect(() => kFoldSplits(y, 1, { stratified: false, seed: 1 })).toThrow(DatasetSpecError);
    expect(() => kFoldSplits(y, 101, { stratified: false, seed: 1 })).toThrow(/k: must be/);
    expect(() => kFoldSplits(y, 2.5, { stratified: false, seed: 1 })).toThrow(/k: must be/);
    const reg = new Float32Array([0.5, 1.25, 3, 4]);
    expect(() => kFoldSplits(reg, 2, { stratified: true, seed: 1 })).toThrow(/stratified/);
    expectPartition(kFoldSplits(reg, 2, { stratified: false, seed: 1 }), 4);
  });
});
