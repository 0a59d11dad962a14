// Fully connected layer, batch-major: Z (B×Dout) = A (B×Din) · W (Din×Dout) + b.
// Loops run i-k-j so the innermost index walks contiguous rows of W, Z and dW.

export function linearForward(
  A: Float32Array,
  W: Float32Array,
  b: Float32Array,
  Z: Float32Array,
  B: number,
  Din: number,
  Dout: number,
): void {
  for (let n = 0; n < B; n++) {
    const zRow = n * Dout;
    const aRow = n * Din;
    for (let j = 0; j < Dout; j++) Z[zRow + j] = b[j]!;
    for (let k = 0; k < Din; k++) {
      const a = A[aRow + k]!;
      if (a === 0) continue; // ReLU outputs are often exactly 0
      const wRow = k * Dout;
      for (let j = 0; j < Dout; j++) Z[zRow + j]! += a * W[wRow + j]!;
    }
  }
}

/**
 * Given dZ = ∂c/∂Z: dW = Aᵀ dZ, db = column sums of dZ, dA = dZ Wᵀ.
 * dW and db are overwritten; dA is skipped when null (the input layer needs no dA).
 */
export function linearBackward(
  A: Float32Array,
  W: Float32Array,
  dZ: Float32Array,
  dA: Float32Array | null,
  dW: Float32Array,
  db: Float32Array,
  B: number,
  Din: number,
  Dout: number,
): void {
  dW.fill(0, 0, Din * Dout);
  db.fill(0, 0, Dout);
  for (let n = 0; n < B; n++) {
    const dzRow = n * Dout;
    const aRow = n * Din;
    for (let j = 0; j < Dout; j++) db[j]! += dZ[dzRow + j]!;
    for (let k = 0; k < Din; k++) {
      const a = A[aRow + k]!;
      if (a === 0) continue;
      const wRow = k * Dout;
      for (let j = 0; j < Dout; j++) dW[wRow + j]! += a * dZ[dzRow + j]!;
    }
  }
  if (dA === null) return;
  for (let n = 0; n < B; n++) {
    const dzRow = n * Dout;
    const aRow = n * Din;
    for (let k = 0; k < Din; k++) {
      const wRow = k * Dout;
      let s = 0; // accumulate the dot product in float64
      for (let j = 0; j < Dout; j++) s += dZ[dzRow + j]! * W[wRow + j]!;
      dA[aRow + k] = s;
    }
  }
}
