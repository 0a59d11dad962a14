import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { DatasetSpecError, type Dataset } from "./types";

// IDX (LeCun's MNIST format): bytes 0–1 zero, byte 2 the element type, byte 3 the number of
// dimensions, then one big-endian uint32 per dimension, then the elements row-major.
const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: "unsigned byte", 0x09: "signed byte", 0x0b: "int16", 0x0c: "int32", 0x0d: "float32", 0x0e: "float64" };
const IDX_CLASSES = 10;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export interface IdxOptions {
  /** Keep only the first `limit` examples (file order). */
  limit?: number;
}

/**
 * Images and labels in IDX format (gzipped or not) as a 10-class multiclass Dataset, pixels
 * scaled from 0..255 to [0, 1], features `px0..px{rows·cols−1}`, rows in file order.
 */
export function loadIdx(imagesPath: string, labelsPath: string, opts: IdxOptions = {}): Dataset {
  const { limit } = opts;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new DatasetSpecError("limit", `must be an integer ≥ 1, got ${String(limit)}`);
  }
  const images = readIdxFile(imagesPath, "imagesPath");
  const labels = readIdxFile(labelsPath, "labelsPath");
  checkPair(images, labels, imagesPath, labelsPath);
  const n = Math.min(limit ?? Infinity, labels.dims[0]!);
  return idxToDataset(images, labels, Int32Array.from({ length: n }, (_, i) => i), labelsPath);
}

/** The bytes of a file, gunzipped when its name ends in .gz or its content starts like gzip. */
export function readIdxFile(path: string, field: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DatasetSpecError(field, `cannot read ${JSON.stringify(path)}: ${(err as Error).message}`);
  }
  // Content is checked too: a downloaded file often keeps its .gz contents under another name.
  if (path.endsWith(".gz") || (bytes[0] === 0x1f && bytes[1] === 0x8b)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DatasetSpecError(field, `${JSON.stringify(path)} is not valid gzip: ${(err as Error).message}`);
    }
  }
  return parseIdx(bytes, field, JSON.stringify(path));
}

/** Header and unsigned-byte payload of an IDX buffer; errors carry `field` and name `what`. */
export function parseIdx(bytes: Uint8Array, field = "idx", what = "IDX data"): IdxArray {
  if (bytes.length < 4) throw new DatasetSpecError(field, `${what}: ${bytes.length} bytes is too short for an IDX header`);
  const magic = hex32(bytes, 0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetSpecError(field, `${what}: bad magic number ${magic}; IDX files start with 0x0000, e.g. 0x00000803 for images, 0x00000801 for labels`);
  }
  const type = bytes[2]!;
  if (type !== UBYTE) {
    const name = TYPE_NAMES[type] ?? "unknown";
    throw new DatasetSpecError(field, `${what}: magic ${magic} declares element type 0x${type.toString(16).padStart(2, "0")} (${name}); only unsigned byte (0x08) is supported`);
  }
  const ndims = bytes[3]!;
  const headerLen = 4 + 4 * ndims;
  if (ndims === 0 || bytes.length < headerLen) {
    throw new DatasetSpecError(field, `${what}: magic ${magic} declares ${ndims} dimensions, but the header is truncated or empty`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const dim = view.getUint32(4 + 4 * i, false);
    dims.push(dim);
    size *= dim;
  }
  const have = bytes.length - headerLen;
  if (have !== size) {
    const problem = have < size ? `is truncated: ${have} data bytes, expected ${size}` : `has ${have - size} trailing bytes after the ${size} data bytes`;
    throw new DatasetSpecError(field, `${what} (dimensions ${dims.join("×")}) ${problem}`);
  }
  return { dims, data: bytes.subarray(headerLen) };
}

/** Images must be n×(≥1 more dims), labels n; a swapped pair gets its own hint. */
export function checkPair(images: IdxArray, labels: IdxArray, imagesPath: string, labelsPath: string): void {
  if (images.dims.length < 2) {
    const swapped = labels.dims.length >= 2 ? " — are the images and labels paths swapped?" : "";
    throw new DatasetSpecError("imagesPath", `${JSON.stringify(imagesPath)} has ${images.dims.length} dimension(s); an images file has 3 (n×rows×cols, magic 0x00000803)${swapped}`);
  }
  if (labels.dims.length !== 1) {
    throw new DatasetSpecError("labelsPath", `${JSON.stringify(labelsPath)} has ${labels.dims.length} dimensions; a labels file has 1 (magic 0x00000801)`);
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw new DatasetSpecError("labelsPath", `${JSON.stringify(labelsPath)} holds ${labels.dims[0]} labels but ${JSON.stringify(imagesPath)} holds ${images.dims[0]} images`);
  }
}

/** The chosen rows (in the given order) of an image/label pair as a Dataset. */
export function idxToDataset(images: IdxArray, labels: IdxArray, rows: Int32Array, labelsPath: string): Dataset {
  const d = images.dims.slice(1).reduce((a, b) => a * b, 1);
  const n = rows.length;
  const X = new Float32Array(n * d);
  const y = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const src = rows[r]!;
    const label = labels.data[src]!;
    if (label >= IDX_CLASSES) {
      throw new DatasetSpecError("labelsPath", `${JSON.stringify(labelsPath)}: label ${label} at index ${src} is outside 0..${IDX_CLASSES - 1}`);
    }
    y[r] = label;
    const px = images.data.subarray(src * d, (src + 1) * d);
    for (let j = 0; j < d; j++) X[r * d + j] = px[j]! / 255;
  }
  return {
    X,
    y,
    n,
    d,
    task: "multiclass",
    classes: IDX_CLASSES,
    featureNames: Array.from({ length: d }, (_, j) => `px${j}`),
    classNames: Array.from({ length: IDX_CLASSES }, (_, c) => String(c)),
  };
}

function hex32(bytes: Uint8Array, at: number): string {
  let s = "0x";
  for (let i = at; i < at + 4; i++) s += (bytes[i] ?? 0).toString(16).padStart(2, "0");
  return s;
}
