// The decision surface of a model with 2-D input, on a grid over the data's bounding box, and
// the number of distinct hidden activation patterns on that grid (Hanin & Rolnick 2019): the
// pattern of a point is every hidden unit's on/off state (z > 0) and, for a maxout unit, its
// winning piece. A piecewise-linear network is linear on each pattern's region, so the count
// is a lower bound on its linear regions met by the grid.

import type { SurfaceArrays } from "@automl/common/core";
import type { FloatArray } from "./kernels/float";
import type { MlpModel } from "./mlp";
import { applyPreprocessorAll, type Preprocessor } from "./preprocess";

/** The decision surface over a grid of the input plane (defined with its stored form in @automl/common). */
export type DecisionSurface = SurfaceArrays;

export const SURFACE_GRID = 64;
const MARGIN = 0.1;
const CHUNK = 256;

/** [min − 10%·span, max + 10%·span] of column j of X (n×2); a constant column gets ±0.5. */
function paddedRange(X: Float32Array, n: number, j: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = X[2 * i + j]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pad = hi > lo ? MARGIN * (hi - lo) : 0.5;
  return [lo - pad, hi + pad];
}

// Bytes → string natively; every code is an ASCII digit or letter (48 + at most 15), so the
// decoding is one character per byte and exact.
const latin1 = new TextDecoder("latin1");
function patternKey(codes: Uint8Array): string {
  return latin1.decode(codes);
}

/**
 * Evaluates `model` (trained on `prep`-encoded inputs) on a grid over the bounding box of the
 * raw 2-D data X (n×2), padded by 10% per side. Grid points are given in raw coordinates and
 * go through the fold's preprocessing, exactly as held-out rows do.
 */
export async function decisionSurface(
  model: MlpModel<FloatArray>,
  prep: Preprocessor,
  X: Float32Array,
  n: number,
  grid = SURFACE_GRID,
  /** Awaited between chunks of the grid, so a wide model does not block the event loop. */
  pause: () => Promise<void> | void = () => {},
): Promise<DecisionSurface> {
  const x = paddedRange(X, n, 0);
  const y = paddedRange(X, n, 1);
  const total = grid * grid;
  const raw = new Float32Array(total * 2);
  const step = (r: [number, number]) => (r[1] - r[0]) / (grid - 1);
  const [dx, dy] = [step(x), step(y)];
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      raw[2 * (r * grid + c)] = x[0] + c * dx;
      raw[2 * (r * grid + c) + 1] = y[0] + r * dy;
    }
  }
  const inputs = applyPreprocessorAll(prep, raw, total);
  const width = prep.width;
  const { task, outputDim: D } = model.spec;
  const values: number[] = new Array<number>(total);
  const hidden = model.layers.filter((l) => l.act !== null);
  const patterns = new Set<string>();
  const patternIds = new Map<string, number>();
  // Without hidden layers the whole plane is one linear region.
  const regionMap: number[] = new Array<number>(total).fill(0);
  let codes = new Uint8Array(0);
  for (let start = 0; start < total; start += CHUNK) {
    const B = Math.min(CHUNK, total - start);
    const out = model.forwardInto(inputs.subarray(start * width, (start + B) * width), B);
    for (let i = 0; i < B; i++) {
      let v: number;
      if (task === "multiclass") {
        v = 0;
        for (let j = 1; j < D; j++) if (out[i * D + j]! > out[i * D + v]!) v = j;
      } else {
        v = out[i * D]!;
      }
      values[start + i] = v;
    }
    await pause();
    if (hidden.length === 0) continue;
    const units = hidden.reduce((s, l) => s + l.units, 0);
    if (codes.length !== units) codes = new Uint8Array(units);
    for (let i = 0; i < B; i++) {
      // One character per unit (its state or winning piece), so keys cannot run together.
      let u = 0;
      for (let l = 0; l < hidden.length; l++) {
        const D = hidden[l]!.units;
        const winners = model.maxoutWinners(l, B);
        if (winners) {
          for (let j = 0; j < D; j++) codes[u++] = 48 + winners[i * D + j]!;
        } else {
          const Z = model.preactivations(l, B);
          for (let j = 0; j < D; j++) codes[u++] = Z[i * D + j]! > 0 ? 49 : 48;
        }
      }
      const key = patternKey(codes);
      let id = patternIds.get(key);
      if (id === undefined) {
        id = patternIds.size;
        patternIds.set(key, id);
      }
      regionMap[start + i] = id;
      patterns.add(key);
    }
  }
  return { grid, x, y, values, regions: hidden.length === 0 ? 1 : patterns.size, regionMap };
}
