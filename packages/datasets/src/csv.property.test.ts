import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { LIMITS } from "@automl/common";
import { loadCsv, parseCsv, type CsvLimits } from "./csv";
import { DatasetSpecError, type DatasetTask } from "./types";

const dir = mkdtempSync(join(tmpdir(), "automl-csv-prop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Cells that break a parser in different ways: numbers in odd notations, quotes, separators,
// line breaks, control and non-ASCII characters, lone surrogates.
const cell = fc.oneof(
  fc.double({ noNaN: true }).map(String),
  fc.integer().map(String),
  fc.constantFrom("", " ", "NaN", "Infinity", "-", "1e999", "0x1F", "1,5", '"', '""', '"a,b"', "a\nb", "\r", "\u0000", "\uFEFF", "é", "\uD800", "yes", "no", "1", "0"),
  fc.string({ unit: "binary", maxLength: 8 }),
);
const table = fc.record({
  header: fc.array(fc.oneof(fc.constantFrom("y", "x1", "x2", "c"), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 5 }),
  rows: fc.array(fc.array(cell, { minLength: 0, maxLength: 6 }), { maxLength: 12 }),
  sep: fc.constantFrom("\n", "\r\n"),
  bom: fc.boolean(),
});
const options = fc.record({
  target: fc.constantFrom("y", "x1", "", "missing"),
  task: fc.constantFrom<DatasetTask>("binary", "multiclass", "regression"),
  categorical: fc.option(fc.subarray(["x1", "x2", "c", "y", "nope"]), { nil: undefined }),
});

function csvText(t: { header: string[]; rows: string[][]; sep: string; bom: boolean }): string {
  return (t.bom ? "\uFEFF" : "") + [t.header, ...t.rows].map((r) => r.join(",")).join(t.sep);
}

/** The contract: a consistent Dataset, or a DatasetSpecError that names a field; nothing else. */
function checkVerdict(run: () => ReturnType<typeof parseCsv>): void {
  let ds: ReturnType<typeof parseCsv>;
  try {
    ds = run();
  } catch (err) {
    if (!(err instanceof DatasetSpecError)) throw new Error(`not a DatasetSpecError: ${String(err)}`);
    expect(err.field.length).toBeGreaterThan(0);
    expect(err.message.startsWith(`${err.field}: `)).toBe(true);
    expect(err.message.length).toBeGreaterThan(err.field.length + 2);
    return;
  }
  expect(ds.X.length).toBe(ds.n * ds.d);
  expect(ds.y.length).toBe(ds.n);
  expect(ds.featureNames).toHaveLength(ds.d);
  expect(ds.X.every(Number.isFinite)).toBe(true);
  expect(ds.y.every(Number.isFinite)).toBe(true);
  if (ds.task !== "regression") for (const v of ds.y) expect(Number.isInteger(v) && v >= 0 && v < ds.classes).toBe(true);
}

describe("parseCsv on random tables (fast-check)", () => {
  it("returns a consistent dataset or a DatasetSpecError naming the field", () => {
    fc.assert(fc.property(table, options, (t, o) => checkVerdict(() => parseCsv(csvText(t), o))), { numRuns: 600 });
  });

  it("well-formed numeric tables always parse, with the values given", () => {
    const numeric = fc.array(fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, 1)), { minLength: 2, maxLength: 30 });
    fc.assert(
      fc.property(numeric, (rows) => {
        const labelled = [...rows, [0, 0, 0] as const, [0, 0, 1] as const]; // both classes present
        const ds = parseCsv(["x1,x2,y", ...labelled.map((r) => r.join(","))].join("\n"), { target: "y", task: "binary" });
        expect(ds.n).toBe(labelled.length);
        labelled.forEach(([a, b, y], i) => {
          expect(ds.X[2 * i]).toBeCloseTo(Math.fround(a), 0);
          expect(ds.X[2 * i + 1]).toBeCloseTo(Math.fround(b), 0);
          expect(ds.y[i]).toBe(y);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("bytes in other encodings (Latin-1, UTF-16, random) read as UTF-8 are handled the same way", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      table.map((t) => Buffer.from(csvText(t), "latin1")),
      table.map((t) => Buffer.from(csvText(t), "utf16le")),
    );
    let i = 0;
    fc.assert(
      fc.property(bytes, options, (b, o) => {
        const path = join(dir, `f${i++}.csv`);
        writeFileSync(path, b);
        checkVerdict(() => loadCsv(path, o));
      }),
      { numRuns: 300 },
    );
  });
});

describe("dataset limits", () => {
  const small: CsvLimits = { datasetBytes: 200, datasetRows: 5, datasetColumns: 3, datasetCells: 8 };
  const errorOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(DatasetSpecError);
      return (err as Error).message;
    }
    throw new Error("accepted");
  };
  const rows = (n: number, cols = 2) => ["y," + Array.from({ length: cols - 1 }, (_, j) => `x${j}`).join(","), ...Array.from({ length: n }, (_, i) => `${i % 2},` + Array(cols - 1).fill(i).join(","))].join("\n");

  it("refuses too many bytes, rows, columns or values, naming the limit", () => {
    expect(errorOf(() => parseCsv(rows(80), { target: "y", task: "binary" }, small))).toBe("csv: is larger than 200 bytes");
    expect(errorOf(() => parseCsv(rows(6), { target: "y", task: "binary" }, small))).toBe("csv: has 6 data rows; at most 5");
    expect(errorOf(() => parseCsv(rows(2, 4), { target: "y", task: "binary" }, small))).toBe("csv: has 4 columns; at most 3");
    expect(errorOf(() => parseCsv(rows(5, 3), { target: "y", task: "binary" }, small))).toBe("csv: has 5 rows × 2 features = 10 values; at most 8");
    expect(parseCsv(rows(4, 3), { target: "y", task: "binary" }, small).n).toBe(4);
  });

  it("refuses a file over the byte limit before reading it", () => {
    const path = join(dir, "big.csv");
    writeFileSync(path, rows(80));
    expect(errorOf(() => loadCsv(path, { target: "y", task: "binary" }, small))).toMatch(/^csv: ".*big\.csv" is \d+ bytes; at most 200$/);
  });

  it("the defaults are the shared LIMITS", () => {
    expect(LIMITS.datasetBytes).toBeGreaterThanOrEqual(100 * 1024 * 1024);
    expect(LIMITS.datasetCells).toBeLessThanOrEqual(LIMITS.datasetRows * LIMITS.datasetColumns);
  });
});
