import type { FloatArray } from "./float";

// Fully connected layer, batch-major: Z (B×Dout) = A (B×Din) · W (Din×Dout) + b.
// Loops run i-k-j so the innermost index walks contiguous rows of W, Z and dW, and take the
// batch four rows at a time: each W (or dW) element loaded once serves four multiply-adds,
// which measured ~1.5–2× faster in V8 than one row at a time. Leftover rows go one by one.

export function linearForward(
  A: FloatArray,
  W: FloatArray,
  b: FloatArray,
  Z: FloatArray,
  B: number,
  Din: number,
  Dout: number,
): void {
  let n = 0;
  for (; n + 4 <= B; n += 4) {
    const z0 = n * Dout;
    const z1 = z0 + Dout;
    const z2 = z1 + Dout;
    const z3 = z2 + Dout;
    const a0 = n * Din;
    const a1 = a0 + Din;
    const a2 = a1 + Din;
    const a3 = a2 + Din;
    for (let j = 0; j < Dout; j++) {
      const v = b[j]!;
      Z[z0 + j] = v;
      Z[z1 + j] = v;
      Z[z2 + j] = v;
      Z[z3 + j] = v;
    }
    for (let k = 0; k < Din; k++) {
      const x0 = A[a0 + k]!;
      const x1 = A[a1 + k]!;
      const x2 = A[a2 + k]!;
      const x3 = A[a3 + k]!;
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue; // dead ReLU inputs
      const wRow = k * Dout;
      for (let j = 0; j < Dout; j++) {
        const w = W[wRow + j]!;
        Z[z0 + j]! += x0 * w;
        Z[z1 + j]! += x1 * w;
        Z[z2 + j]! += x2 * w;
        Z[z3 + j]! += x3 * w;
      }
    }
  }
  for (; n < B; n++) {
    const zRow = n * Dout;
    const aRow = n * Din;
    for (let j = 0; j < Dout; j++) Z[zRow + j] = b[j]!;
    for (let k = 0; k < Din; k++) {
      const x = A[aRow + k]!;
      if (x === 0) continue;
      const wRow = k * Dout;
      for (let j = 0; j < Dout; j++) Z[zRow + j]! += x * W[wRow + j]!;
    }
  }
}

/**
 * Given dZ = ∂c/∂Z: dW = Aᵀ dZ, db = column sums of dZ, dA = dZ Wᵀ.
 * dW and db are overwritten; dA is skipped when null (the input layer needs no dA).
 */
export function linearBackward(
  A: FloatArray,
  W: FloatArray,
  dZ: FloatArray,
  dA: FloatArray | null,
  dW: FloatArray,
  db: FloatArray,
  B: number,
  Din: number,
  Dout: number,
): void {
  dW.fill(0, 0, Din * Dout);
  db.fill(0, 0, Dout);
  let n = 0;
  for (; n + 4 <= B; n += 4) {
    const d0 = n * Dout;
    const d1 = d0 + Dout;
    const d2 = d1 + Dout;
    const d3 = d2 + Dout;
    const a0 = n * Din;
    const a1 = a0 + Din;
    const a2 = a1 + Din;
    const a3 = a2 + Din;
    for (let j = 0; j < Dout; j++) db[j]! += dZ[d0 + j]! + dZ[d1 + j]! + dZ[d2 + j]! + dZ[d3 + j]!;
    for (let k = 0; k < Din; k++) {
      const x0 = A[a0 + k]!;
      const x1 = A[a1 + k]!;
      const x2 = A[a2 + k]!;
      const x3 = A[a3 + k]!;
      if (x0 === 0 && x1 === 0 && x2 === 0 && x3 === 0) continue;
      const wRow = k * Dout;
      for (let j = 0; j < Dout; j++) {
        dW[wRow + j]! += x0 * dZ[d0 + j]! + x1 * dZ[d1 + j]! + x2 * dZ[d2 + j]! + x3 * dZ[d3 + j]!;
      }
    }
  }
  for (; n < B; n++) {
    const dRow = n * Dout;
    const aRow = n * Din;
    for (let j = 0; j < Dout; j++) db[j]! += dZ[dRow + j]!;
    for (let k = 0; k < Din; k++) {
      const x = A[aRow + k]!;
      if (x === 0) continue;
      const wRow = k * Dout;
      for (let j = 0; j < Dout; j++) dW[wRow + j]! += x * dZ[dRow + j]!;
    }
  }

  if (dA === null) return;
  // Dot products accumulate in float64 locals.
  n = 0;
  for (; n + 4 <= B; n += 4) {
    const d0 = n * Dout;
    const d1 = d0 + Dout;
    const d2 = d1 + Dout;
    const d3 = d2 + Dout;
    const a0 = n * Din;
    for (let k = 0; k < Din; k++) {
      const wRow = k * Dout;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < Dout; j++) {
        const w = W[wRow + j]!;
        s0 += dZ[d0 + j]! * w;
        s1 += dZ[d1 + j]! * w;
        s2 += dZ[d2 + j]! * w;
        s3 += dZ[d3 + j]! * w;
      }
      dA[a0 + k] = s0;
      dA[a0 + Din + k] = s1;
      dA[a0 + 2 * Din + k] = s2;
      dA[a0 + 3 * Din + k] = s3;
    }
  }
  for (; n < B; n++) {
    const dRow = n * Dout;
    const aRow = n * Din;
    for (let k = 0; k < Din; k++) {
      const wRow = k * Dout;
      let s = 0;
      for (let j = 0; j < Dout; j++) s += dZ[dRow + j]! * W[wRow + j]!;
      dA[aRow + k] = s;
    }
  }
}
