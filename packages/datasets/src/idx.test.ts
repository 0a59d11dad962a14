import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { loadIdx, parseIdx } from "./idx";
import { DatasetSpecError } from "./types";

const dir = mkdtempSync(join(tmpdir(), "automl-idx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An unsigned-byte IDX file: magic 0x0000 08 <ndims>, big-endian dims, data. */
function idx(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((dim, i) => view.setUint32(4 + 4 * i, dim, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

// 3 images of 2×2 with distinct pixels, labels 7, 0, 9.
const pixels = [0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0];
const labels = [7, 0, 9];

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function thrown(fn: () => unknown): DatasetSpecError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetSpecError);
    return e as DatasetSpecError;
  }
  throw new Error("expected a DatasetSpecError");
}

describe("loadIdx", () => {
  const images = idx([3, 2, 2], pixels);
  const labelBytes = idx([3], labels);

  it.each([
    ["plain", "imgs-idx3-ubyte", "lbls-idx1-ubyte", (b: Uint8Array) => b],
    ["gzipped", "imgs-idx3-ubyte.gz", "lbls-idx1-ubyte.gz", (b: Uint8Array) => gzipSync(b)],
    ["gzipped without .gz in the name", "imgs2", "lbls2", (b: Uint8Array) => gzipSync(b)],
  ])("round trip: %s", (_, imgName, lblName, encode) => {
    const ds = loadIdx(write(imgName, encode(images)), write(lblName, encode(labelBytes)));
    expect(ds.n).toBe(3);
    expect(ds.d).toBe(4);
    expect(ds.task).toBe("multiclass");
    expect(ds.classes).toBe(10);
    expect(ds.featureNames).toEqual(["px0", "px1", "px2", "px3"]);
    expect([...ds.y]).toEqual(labels);
    expect([...ds.X]).toEqual(pixels.map((p) => Math.fround(p / 255)));
    expect(Math.min(...ds.X)).toBe(0);
    expect(Math.max(...ds.X)).toBe(1);
  });

  it("limit keeps the first examples", () => {
    const ds = loadIdx(write("i.idx", images), write("l.idx", labelBytes), { limit: 2 });
    expect(ds.n).toBe(2);
    expect([...ds.y]).toEqual([7, 0]);
    expect(ds.X.length).toBe(8);
    expect(loadIdx(write("i.idx", images), write("l.idx", labelBytes), { limit: 50 }).n).toBe(3);
    expect(thrown(() => loadIdx(write("i.idx", images), write("l.idx", labelBytes), { limit: 0 })).field).toBe("limit");
  });

  const imgPath = () => write("good-images", images);
  const lblPath = () => write("good-labels", labelBytes);
  const errors: [string, () => unknown, string, string[]][] = [
    ["bad magic", () => loadIdx(write("bad-magic", Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0])), lblPath()), "imagesPath", ["bad magic number 0x504b0304", "bad-magic"]],
    ["non-ubyte type", () => loadIdx(imgPath(), write("float-labels", idx([3], [0, 0, 0], 0x0d))), "labelsPath", ["0x0d", "float32", "only unsigned byte"]],
    ["truncated data", () => loadIdx(write("short", idx([3, 2, 2], pixels).subarray(0, 20)), lblPath()), "imagesPath", ["truncated", "3×2×2", "expected 12"]],
    ["trailing bytes", () => loadIdx(imgPath(), write("long", Uint8Array.from([...idx([3], labels), 1, 2]))), "labelsPath", ["2 trailing bytes"]],
    ["truncated header", () => loadIdx(write("hdr", Uint8Array.from([0, 0, 8, 3, 0, 0])), lblPath()), "imagesPath", ["header is truncated"]],
    ["too short", () => loadIdx(write("tiny", Uint8Array.from([0, 0])), lblPath()), "imagesPath", ["too short"]],
    ["swapped paths", () => loadIdx(lblPath(), imgPath()), "imagesPath", ["swapped"]],
    ["count mismatch", () => loadIdx(imgPath(), write("two-labels", idx([2], [1, 2]))), "labelsPath", ["2 labels", "3 images"]],
    ["label out of range", () => loadIdx(imgPath(), write("label-12", idx([3], [1, 12, 2]))), "labelsPath", ["label 12", "index 1"]],
    ["bad gzip", () => loadIdx(write("broken.gz", Uint8Array.from([1, 2, 3, 4])), lblPath()), "imagesPath", ["not valid gzip"]],
    ["missing file", () => loadIdx(join(dir, "absent"), lblPath()), "imagesPath", ["cannot read", "absent"]],
  ];
  it.each(errors)("error: %s", (_, fn, field, parts) => {
    const err = thrown(fn);
    expect(err.field).toBe(field);
    for (const p of parts) expect(err.message).toContain(p);
  });

  it("parseIdx reads dims and payload", () => {
    const parsed = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(parsed.dims).toEqual([2, 3]);
    expect([...parsed.data]).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
