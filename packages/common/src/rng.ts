// Seeded pseudo-random numbers: sfc32 generator, keyed by a 128-bit key derived from the seed.
// Not cryptographic; chosen for speed, a 2^128 state and good statistical quality.

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n); n a positive integer ≤ 2^32. */
  int(n: number): number;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number;
  /** Fisher–Yates shuffle, in place. */
  shuffle<T>(arr: T[] | Int32Array): void;
  /**
   * An independent stream keyed by (this stream's seed, label). It depends only on the seed
   * chain and label, not on how many numbers were drawn, so `createRng(s).fork(f)` names one
   * stream no matter where it is called.
   */
  fork(label: number): Rng;
  /** The generator's position, to continue the same stream later (checkpoints). */
  saveState(): number[];
  /** Continues from a position saveState() returned on a stream with the same key. */
  loadState(state: readonly number[]): void;
}

const TWO_POW_32 = 4294967296;

// lowbias32 finalizer (Chris Wellons): a cheap bijective 32-bit mixer with good avalanche.
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

// Any finite number maps to two 32-bit words via its IEEE-754 bits, so 1.5 and 2^40 are
// distinct seeds rather than silently truncated.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
function numberWords(x: number, field: string): [number, number] {
  if (typeof x !== "number" || !Number.isFinite(x)) {
    throw new Error(`${field} must be a finite number, got ${String(x)}`);
  }
  f64[0] = x === 0 ? 0 : x; // -0 and 0 are the same seed
  return [u32[0]!, u32[1]!];
}

type Key = [number, number, number, number];

// Absorb words into a key; order matters, so fork(a).fork(b) differs from fork(b).fork(a).
function deriveKey(parent: Key, words: number[]): Key {
  const h: Key = [parent[0], parent[1], parent[2], parent[3]];
  for (const w of words) {
    for (let i = 0; i < 4; i++) {
      const prev = h[(i + 3) & 3]!;
      h[i] = mix32((h[i]! ^ w) + Math.imul(i + 1, 0x9e3779b9) + prev);
    }
  }
  return h;
}

const ROOT_KEY: Key = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344];
const ROOT_TAG = 0x52_4f_4f_54; // distinguishes a root seed from a fork label
const FORK_TAG = 0x46_4f_52_4b;

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN; // second Box–Muller value, used by the next normal()

  constructor(private readonly key: Key) {
    [this.a, this.b, this.c, this.d] = key;
    // Warm-up so that nearby keys do not yield correlated first outputs.
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  private nextU32(): number {
    const t0 = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    const t = (t0 + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new Error(`rng.int: n must be an integer in [1, 2^32], got ${String(n)}`);
    }
    // Multiply-shift; bias is at most n / 2^32, negligible for the sizes used here.
    return Math.floor(this.next() * n);
  }

  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = NaN;
      return s;
    }
    const u1 = 1 - this.next(); // (0, 1]: log never sees 0
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  shuffle<T>(arr: T[] | Int32Array): void {
    // One element type at run time either way; the view just lets TS swap across the union.
    const a = arr as { [i: number]: unknown; length: number };
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
  }

  fork(label: number): Rng {
    const [lo, hi] = numberWords(label, "rng.fork label");
    return new Sfc32(deriveKey(this.key, [FORK_TAG, lo, hi]));
  }

  saveState(): number[] {
    return [this.a, this.b, this.c, this.d, this.spare];
  }

  loadState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 5 || !state.slice(0, 4).every((w) => Number.isInteger(w))) {
      throw new Error("rng.loadState: expected [a, b, c, d, spare] from saveState()");
    }
    [this.a, this.b, this.c, this.d] = state as [number, number, number, number];
    this.spare = state[4] === null ? NaN : state[4]!;
  }
}

/** A deterministic generator for `seed` (any finite number). */
export function createRng(seed: number): Rng {
  const [lo, hi] = numberWords(seed, "seed");
  return new Sfc32(deriveKey(ROOT_KEY, [ROOT_TAG, lo, hi]));
}
