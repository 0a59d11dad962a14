import type { FloatArray } from "./float";

// PReLU (He et al. 2015): a = z for z > 0, α_j z otherwise, with one learned slope α_j per
// unit j of the layer (shared over the batch). Z, A, dA, dZ are B×D, α and dα are D.

/** A_nj = Z_nj if Z_nj > 0 else α_j Z_nj. */
export function preluForward(Z: FloatArray, alpha: FloatArray, A: FloatArray, B: number, D: number): void {
  for (let n = 0; n < B; n++) {
    const row = n * D;
    for (let j = 0; j < D; j++) {
      const z = Z[row + j]!;
      A[row + j] = z > 0 ? z : alpha[j]! * z;
    }
  }
}

/**
 * dZ = act'(Z) ⊙ dA with act' = 1 (z > 0) or α_j (z ≤ 0); dα_j = Σ_n [z_nj < 0] z_nj dA_nj
 * (∂a/∂α = z on the negative side). dα is overwritten; dZ may be dA (in place).
 */
export function preluBackward(
  Z: FloatArray,
  alpha: FloatArray,
  dA: FloatArray,
  dZ: FloatArray,
  dAlpha: FloatArray,
  B: number,
  D: number,
): void {
  dAlpha.fill(0, 0, D);
  for (let n = 0; n < B; n++) {
    const row = n * D;
    for (let j = 0; j < D; j++) {
      const z = Z[row + j]!;
      const g = dA[row + j]!;
      if (z > 0) {
        dZ[row + j] = g;
      } else {
        dAlpha[j]! += z * g;
        dZ[row + j] = alpha[j]! * g;
      }
    }
  }
}
