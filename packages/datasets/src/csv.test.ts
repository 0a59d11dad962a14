import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCsv, parseCsv, type CsvOptions } from "./csv";
import { DatasetSpecError } from "./types";

const dir = mkdtempSync(join(tmpdir(), "automl-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): DatasetSpecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetSpecError);
    return e as DatasetSpecError;
  }
  throw new Error("expected a DatasetSpecError");
}

describe("parseCsv / loadCsv", () => {
  it("reads a file with quoting, a BOM, CRLF, categorical codes and string classes", () => {
    const text =
      "\uFEFFage,\"city, state\",note,label\r\n" +
      '31,"Portland, OR",1.5,yes\r\n' +
      '40,"Austin, TX","2",no\r\n' +
      '\r\n' + // blank lines are skipped
      '22,"Portland, OR","-3e-1",yes\r\n' +
      '55,"He said ""hi""\nthere",4,no\r\n';
    const path = join(dir, "people.csv");
    writeFileSync(path, text);
    const ds = loadCsv(path, { target: "label", task: "binary", categorical: ["city, state"] });
    expect(ds.n).toBe(4);
    expect(ds.d).toBe(3);
    expect(ds.featureNames).toEqual(["age", "city, state", "note"]);
    expect(ds.categorical).toEqual([{ column: 1, name: "city, state", levels: ["Portland, OR", "Austin, TX", 'He said "hi"\nthere'] }]);
    expect([...ds.X]).toEqual([31, 0, 1.5, 40, 1, 2, 22, 0, Math.fround(-0.3), 55, 2, 4]);
    expect(ds.classNames).toEqual(["no", "yes"]); // sorted, so "no" is 0
    expect([...ds.y]).toEqual([1, 0, 1, 0]);
    expect(ds.task).toBe("binary");
    expect(ds.classes).toBe(2);
  });

  it("sorts numeric class labels numerically and unifies 1 and 1.0", () => {
    const ds = parseCsv("x,y\n1,10\n2,9\n3,1.0\n4,1\n5,9\n", { target: "y", task: "multiclass" });
    expect(ds.classNames).toEqual(["1", "9", "10"]);
    expect([...ds.y]).toEqual([2, 1, 0, 0, 1]);
    expect(ds.classes).toBe(3);
    expect(ds.categorical).toBeUndefined();
  });

  it("target may be any column; regression keeps values", () => {
    const ds = parseCsv("y,a,b\n0.5,1,2\n-2.25,3,4\n", { target: "y", task: "regression" });
    expect([...ds.y]).toEqual([0.5, -2.25]);
    expect([...ds.X]).toEqual([1, 2, 3, 4]);
    expect(ds.classes).toBe(0);
    expect(ds.classNames).toBeUndefined();
  });

  // Every error names the column (field and message), the data row and the bad value.
  const header = "a,b,t\n";
  const cases: { name: string; text: string; opts: CsvOptions; field: string; parts: string[] }[] = [
    { name: "missing target column", text: header + "1,2,0\n", opts: { target: "label", task: "binary" }, field: "target", parts: ['"label"', '"a", "b", "t"'] },
    { name: "non-numeric feature", text: header + "1,2,0\n3,abc,1\n", opts: { target: "t", task: "binary" }, field: "b", parts: ['"b"', "data row 2", "file line 3", '"abc"', "categorical"] },
    { name: "empty feature", text: header + "1,2,0\n3,4,1\n,4,1\n", opts: { target: "t", task: "binary" }, field: "a", parts: ['"a"', "data row 3", "file line 4", "empty"] },
    { name: "NaN feature", text: header + "NaN,2,0\n3,4,1\n", opts: { target: "t", task: "binary" }, field: "a", parts: ['"a"', "data row 1", '"NaN"', "not a number"] },
    { name: "Infinity feature", text: header + "1,Infinity,0\n3,4,1\n", opts: { target: "t", task: "binary" }, field: "b", parts: ['"b"', "data row 1", '"Infinity"'] },
    { name: "empty categorical", text: header + "x,2,0\n ,4,1\n", opts: { target: "t", task: "binary", categorical: ["a"] }, field: "a", parts: ['"a"', "data row 2", "empty"] },
    { name: "non-numeric regression target", text: header + "1,2,0.5\n3,4,high\n", opts: { target: "t", task: "regression" }, field: "t", parts: ['"t"', "data row 2", '"high"'] },
    { name: "empty target", text: header + "1,2,0\n3,4,\n", opts: { target: "t", task: "binary" }, field: "t", parts: ['"t"', "data row 2", "empty"] },
    { name: "binary with 3 classes", text: header + "1,2,a\n3,4,b\n5,6,c\n", opts: { target: "t", task: "binary" }, field: "t", parts: ['"t"', "exactly 2", "found 3", '"a", "b", "c"'] },
    { name: "binary with 1 class", text: header + "1,2,a\n3,4,a\n", opts: { target: "t", task: "binary" }, field: "t", parts: ['"t"', "exactly 2", "found 1"] },
    { name: "multiclass with 1 class", text: header + "1,2,a\n", opts: { target: "t", task: "multiclass" }, field: "t", parts: ['"t"', "at least 2"] },
    { name: "unknown categorical", text: header + "1,2,0\n", opts: { target: "t", task: "binary", categorical: ["city"] }, field: "categorical", parts: ['"city"', '"a", "b", "t"'] },
    { name: "target listed categorical", text: header + "1,2,0\n", opts: { target: "t", task: "binary", categorical: ["t"] }, field: "categorical", parts: ['"t"'] },
    { name: "ragged row", text: header + "1,2,0\n3,4\n", opts: { target: "t", task: "binary" }, field: "csv", parts: ["data row 2", "file line 3", "2 fields", "3"] },
    { name: "no data rows", text: header, opts: { target: "t", task: "binary" }, field: "csv", parts: ["no data rows"] },
    { name: "empty text", text: "", opts: { target: "t", task: "binary" }, field: "csv", parts: ["header"] },
    { name: "duplicate header", text: "a,a,t\n1,2,0\n", opts: { target: "t", task: "binary" }, field: "csv", parts: ['"a"', "twice"] },
    { name: "unclosed quote", text: header + '1,"2,0\n', opts: { target: "t", task: "binary" }, field: "csv", parts: ["not valid CSV"] },
    { name: "bad task", text: header + "1,2,0\n", opts: { target: "t", task: "ranking" as never }, field: "task", parts: ["ranking"] },
  ];
  it.each(cases)("error: $name", ({ text, opts, field, parts }) => {
    const err = thrown(() => parseCsv(text, { ...opts, showContent: true }));
    expect(err.field).toBe(field);
    for (const p of parts) expect(err.message).toContain(p);
  });

  // A file the reader must not see (say /etc/passwd given as a dataset path): every error names
  // columns by position and rows by number, and quotes nothing of the file.
  const SECRET = ["root:x:0:0", "s3cr3t-name", "hunter2", "tok-abc", "Qzx"];
  const secretHeader = `${SECRET[0]},${SECRET[1]},label\n`;
  const hidden: { name: string; text: string; opts: CsvOptions; field: string; parts: string[] }[] = [
    { name: "missing target column", text: secretHeader + "1,2,0\n", opts: { target: "root", task: "binary" }, field: "target", parts: ['"root"', "3 columns"] },
    { name: "non-numeric feature", text: secretHeader + "1,2,0\n3,hunter2,1\n", opts: { target: "label", task: "binary" }, field: "column 2", parts: ["column 2", "data row 2", "not a number"] },
    { name: "empty feature", text: secretHeader + ",2,0\n", opts: { target: "label", task: "binary" }, field: "column 1", parts: ["column 1", "empty"] },
    { name: "non-numeric regression target", text: secretHeader + "1,2,tok-abc\n", opts: { target: "label", task: "regression" }, field: "label", parts: ['"label"', "data row 1"] },
    { name: "binary with 3 classes", text: secretHeader + "1,2,hunter2\n3,4,tok-abc\n5,6,Qzx\n", opts: { target: "label", task: "binary" }, field: "label", parts: ["found 3"] },
    { name: "unknown categorical", text: secretHeader + "1,2,0\n", opts: { target: "label", task: "binary", categorical: ["city"] }, field: "categorical", parts: ['"city"', "3 columns"] },
    { name: "duplicate header", text: "hunter2,hunter2,label\n1,2,0\n", opts: { target: "label", task: "binary" }, field: "csv", parts: ["columns 1 and 2"] },
    { name: "bad quote", text: secretHeader + '1,"2"hunter2,0\n', opts: { target: "label", task: "binary" }, field: "csv", parts: ["not valid CSV", "line"] },
  ];
  it.each(hidden)("content hidden by default: $name", ({ text, opts, field, parts }) => {
    const err = thrown(() => parseCsv(text, opts));
    expect(err.field).toBe(field);
    for (const p of parts) expect(err.message).toContain(p);
    for (const secret of SECRET) expect(err.message).not.toContain(secret);
    // The same file with content shown says more: the hidden form is a real difference.
    const shown = thrown(() => parseCsv(text, { ...opts, showContent: true }));
    expect(shown.message).not.toBe(err.message);
  });

  it("counts rows as data records, so a quoted newline does not shift the row number", () => {
    const err = thrown(() => parseCsv('a,b,t\n"multi\nline",2,0\n5,x,1\n', { target: "t", task: "binary", categorical: ["a"] }));
    expect(err.message).toContain("data row 2 (file line 4)");
  });

  it("a missing file names the path", () => {
    const err = thrown(() => loadCsv(join(dir, "nope.csv"), { target: "t", task: "binary" }));
    expect(err.field).toBe("path");
    expect(err.message).toContain("nope.csv");
  });
});
