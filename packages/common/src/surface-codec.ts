// How a trial's decision surface travels and is stored (Trial.surface, CompleteTrial's
// surface_json): its two grid×grid arrays packed as base64 little-endian binary instead of JSON
// number arrays. A 64×64 surface was 87 KB of JSON with 8,192 numbers, which the coordinator
// parsed and re-serialized and Postgres parsed into jsonb numerics, per trial: on a study of
// 1,000 tiny 2-D trials that was 40% of the study's time. Packed, it is ~28 KB and two strings.
// Lossless: values are packed as float32 when every one of them is a float32 (the engine's
// float32 networks), else as float64; region indices in the narrowest of uint8, uint16, int32.

/** A decision surface as the engine computes it (packages/nn's DecisionSurface is this type). */
export interface SurfaceArrays {
  /** Points per axis. */
  grid: number;
  /** Range of the first input coordinate (columns), original units. */
  x: [number, number];
  /** Range of the second input coordinate (rows), original units. */
  y: [number, number];
  /**
   * grid×grid, row-major: values[r·grid + c] at (x₀ + c·Δx, y₀ + r·Δy). P(class 1) for binary,
   * the argmax class for multiclass, the (first) prediction for regression.
   */
  values: number[];
  /** Distinct hidden activation patterns over the grid points; 1 for a network without hidden layers. */
  regions: number;
  /**
   * grid×grid, row-major like `values`: the index of each point's activation pattern, numbered
   * in first-seen order (all 0 without hidden layers) — the map of linear regions over the plane.
   */
  regionMap: number[];
}

/** A stored surface read back: rows recorded before region maps existed have none (null). */
export type UnpackedSurface = Omit<SurfaceArrays, "regionMap"> & { regionMap: number[] | null };

/** The stored form. */
export interface PackedSurface {
  grid: number;
  x: [number, number];
  y: [number, number];
  regions: number;
  /** How `values` is packed. */
  valuesType: "float32" | "float64";
  /** base64 of grid² little-endian floats of `valuesType`, row-major. */
  values: string;
  /** How `regionMap` is packed: the narrowest type that holds every index. */
  regionMapType: "uint8" | "uint16" | "int32";
  /** base64 of grid² little-endian activation-pattern indices of `regionMapType`, row-major. */
  regionMap: string;
}

const REGION_TYPES = {
  uint8: { bytes: 1, max: 0xff, write: (d: DataView, o: number, v: number) => d.setUint8(o, v), read: (d: DataView, o: number) => d.getUint8(o) },
  uint16: { bytes: 2, max: 0xffff, write: (d: DataView, o: number, v: number) => d.setUint16(o, v, true), read: (d: DataView, o: number) => d.getUint16(o, true) },
  int32: { bytes: 4, max: 0x7fffffff, write: (d: DataView, o: number, v: number) => d.setInt32(o, v, true), read: (d: DataView, o: number) => d.getInt32(o, true) },
} as const;

function pack(n: number, bytes: number, write: (view: DataView, offset: number, i: number) => void): string {
  const view = new DataView(new ArrayBuffer(n * bytes));
  for (let i = 0; i < n; i++) write(view, i * bytes, i);
  return Buffer.from(view.buffer).toString("base64");
}

function unpack(text: string, n: number, bytes: number, read: (view: DataView, offset: number) => number): number[] | null {
  const buf = Buffer.from(text, "base64");
  if (buf.length !== n * bytes) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return Array.from({ length: n }, (_, i) => read(view, i * bytes));
}

export function packSurface(s: SurfaceArrays): PackedSurface {
  const n = s.grid * s.grid;
  if (s.values.length !== n || s.regionMap.length !== n) throw new Error(`surface: expected ${n} values and region indices`);
  const float32 = s.values.every((v) => Math.fround(v) === v || Number.isNaN(v));
  const top = s.regionMap.reduce((m, v) => Math.max(m, v), 0);
  const negative = s.regionMap.some((v) => v < 0);
  const regionMapType = negative ? "int32" : top <= REGION_TYPES.uint8.max ? "uint8" : top <= REGION_TYPES.uint16.max ? "uint16" : "int32";
  const region = REGION_TYPES[regionMapType];
  return {
    grid: s.grid,
    x: s.x,
    y: s.y,
    regions: s.regions,
    valuesType: float32 ? "float32" : "float64",
    values: float32
      ? pack(n, 4, (view, o, i) => view.setFloat32(o, s.values[i]!, true))
      : pack(n, 8, (view, o, i) => view.setFloat64(o, s.values[i]!, true)),
    regionMapType,
    regionMap: pack(n, region.bytes, (view, o, i) => region.write(view, o, s.regionMap[i]!)),
  };
}

const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");
const isPair = (v: unknown): v is [number, number] => isNumArray(v) && v.length === 2;

/**
 * A stored surface back as arrays, or null when it is not one. Reads the packed form and the
 * JSON-array form rows recorded before it (where `regionMap` may be missing: null then). Stored
 * JSON comes from workers of possibly other versions: the shape is checked, never trusted.
 */
export function unpackSurface(v: unknown): UnpackedSurface | null {
  if (!v || typeof v !== "object") return null;
  const s = v as Record<string, unknown>;
  const { grid, x, y, regions, values, regionMap, valuesType, regionMapType } = s;
  if (typeof grid !== "number" || !Number.isInteger(grid) || grid < 2 || grid > 4096 || !isPair(x) || !isPair(y)) return null;
  const n = grid * grid;
  const head = { grid, x: [x[0], x[1]] as [number, number], y: [y[0], y[1]] as [number, number], regions: typeof regions === "number" ? regions : Number.NaN };
  if (typeof values === "string") {
    if (valuesType !== "float32" && valuesType !== "float64") return null;
    const vals = valuesType === "float32" ? unpack(values, n, 4, (d, o) => d.getFloat32(o, true)) : unpack(values, n, 8, (d, o) => d.getFloat64(o, true));
    if (!vals) return null;
    const region = typeof regionMapType === "string" && Object.hasOwn(REGION_TYPES, regionMapType) ? REGION_TYPES[regionMapType as keyof typeof REGION_TYPES] : null;
    const map = typeof regionMap === "string" && region ? unpack(regionMap, n, region.bytes, region.read) : null;
    return { ...head, values: vals, regionMap: map };
  }
  if (!isNumArray(values) || values.length !== n) return null;
  return { ...head, values, regionMap: isNumArray(regionMap) && regionMap.length === n ? regionMap : null };
}
