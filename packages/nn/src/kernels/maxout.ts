import type { FloatArray } from "./float";

// Maxout (Goodfellow et al. 2013) with k pieces: the layer's linear map produces D·k columns,
// column j·k + s being piece s of unit j, and a_j = max_s z_{j,s}. Keeping a unit's pieces
// adjacent makes each unit's max a scan of k contiguous values. Z, dZ are B×(D·k); A, dA and
// `winners` are B×D.

/** A_nj = max_s Z_n,jk+s; winners_nj = the arg max, the lowest s among ties. */
export function maxoutForward(
  Z: FloatArray,
  A: FloatArray,
  winners: Int32Array,
  B: number,
  D: number,
  k: number,
): void {
  for (let n = 0; n < B; n++) {
    const zRow = n * D * k;
    const aRow = n * D;
    for (let j = 0; j < D; j++) {
      const base = zRow + j * k;
      let best = Z[base]!;
      let arg = 0;
      // Strict > keeps the first of equal pieces, so ties route to the lowest s.
      for (let s = 1; s < k; s++) {
        const z = Z[base + s]!;
        if (z > best) {
          best = z;
          arg = s;
        }
      }
      A[aRow + j] = best;
      winners[aRow + j] = arg;
    }
  }
}

/** dZ = dA routed to the winning piece of each unit, 0 for the other pieces (dZ overwritten). */
export function maxoutBackward(
  winners: Int32Array,
  dA: FloatArray,
  dZ: FloatArray,
  B: number,
  D: number,
  k: number,
): void {
  const width = D * k;
  dZ.fill(0, 0, B * width);
  for (let n = 0; n < B; n++) {
    const zRow = n * width;
    const aRow = n * D;
    for (let j = 0; j < D; j++) dZ[zRow + j * k + winners[aRow + j]!] = dA[aRow + j]!;
  }
}
