// The byte form of a cross-validation checkpoint (cv.ts CvCheckpoint): "AMLCKPT1", a 4-byte
// little-endian header length, a JSON header in which every typed array is replaced by
// { $t: "f32" | "i32", o: byte offset, n: length }, then the arrays' little-endian bytes.
// Binary, because a checkpoint holds the weights up to three times (weights, momentum, best).
import type { CvCheckpoint } from "./cv";

const MAGIC = "AMLCKPT1";
// Typed arrays are copied byte for byte where the machine is little-endian (all we run on).
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

type Ref = { $t: "f32" | "i32"; o: number; n: number };

export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(`checkpoint: ${message}`);
    this.name = "CheckpointFormatError";
  }
}

export function encodeCheckpoint(cp: CvCheckpoint): Uint8Array {
  const blobs: Uint8Array[] = [];
  let offset = 0;
  const header = JSON.stringify(cp, (_key, value: unknown) => {
    if (value instanceof Float32Array || value instanceof Int32Array) {
      const f = value instanceof Float32Array;
      let bytes: Uint8Array;
      if (LITTLE_ENDIAN) bytes = new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
      else {
        bytes = new Uint8Array(value.length * 4);
        const view = new DataView(bytes.buffer);
        for (let i = 0; i < value.length; i++) f ? view.setFloat32(4 * i, value[i]!, true) : view.setInt32(4 * i, value[i]!, true);
      }
      const ref: Ref = { $t: f ? "f32" : "i32", o: offset, n: value.length };
      blobs.push(bytes);
      offset += bytes.length;
      return ref;
    }
    // JSON has no NaN or Infinity: a diverged or not yet finite value keeps its meaning.
    if (typeof value === "number" && !Number.isFinite(value)) return { $n: String(value) };
    return value;
  });
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(MAGIC.length + 4 + head.length + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, head.length, true);
  out.set(head, MAGIC.length + 4);
  let at = MAGIC.length + 4 + head.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): CvCheckpoint {
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) throw new CheckpointFormatError("not a checkpoint");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLength = view.getUint32(MAGIC.length, true);
  const bodyStart = MAGIC.length + 4 + headLength;
  if (bodyStart > bytes.length) throw new CheckpointFormatError("truncated header");
  const body = new DataView(bytes.buffer, bytes.byteOffset + bodyStart, bytes.length - bodyStart);
  try {
    return JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, bodyStart)), (_key, value: unknown) => {
      if (value && typeof value === "object" && "$t" in value) {
        const { $t, o, n } = value as Ref;
        if (!(Number.isInteger(o) && Number.isInteger(n) && o >= 0 && n >= 0 && o + 4 * n <= body.byteLength)) throw new CheckpointFormatError("array out of bounds");
        const arr = $t === "f32" ? new Float32Array(n) : new Int32Array(n);
        if (LITTLE_ENDIAN) new Uint8Array(arr.buffer).set(new Uint8Array(body.buffer, body.byteOffset + o, 4 * n));
        else for (let i = 0; i < n; i++) arr[i] = $t === "f32" ? body.getFloat32(o + 4 * i, true) : body.getInt32(o + 4 * i, true);
        return arr;
      }
      if (value && typeof value === "object" && "$n" in value) return Number((value as { $n: string }).$n);
      return value;
    }) as CvCheckpoint;
  } catch (err) {
    if (err instanceof CheckpointFormatError) throw err;
    throw new CheckpointFormatError(`bad header: ${(err as Error).message}`);
  }
}
