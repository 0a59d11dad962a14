import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { linearBackward, linearForward } from "./linear";
import { reluBackward, reluForward, sigmoid, sigmoidBackward, sigmoidForward, tanhBackward, tanhForward } from "./activations";
import {
  sigmoidCrossEntropyBackward,
  sigmoidCrossEntropyForward,
  softmaxCrossEntropyBackward,
  softmaxCrossEntropyForward,
  softmaxForward,
  softplus,
  squaredErrorBackward,
  squaredErrorForward,
} from "./outputs";

const f32 = (xs: number[]) => Float32Array.from(xs);

function randomArray(rng: ReturnType<typeof createRng>, len: number): Float32Array {
  return Float32Array.from({ length: len }, () => rng.normal());
}

describe("linear kernels", () => {
  // A (B=2 × Din=3), W (3 × Dout=2), b (2)
  const A = f32([1, 2, 3, -1, 0, 2]);
  const W = f32([1, -1, 0.5, 2, -2, 0]);
  const b = f32([0.1, -0.2]);

  it("linearForward computes A·W + b", () => {
    const Z = new Float32Array(4);
    linearForward(A, W, b, Z, 2, 3, 2);
    // row 0: [1 + 1 − 6 + 0.1, −1 + 4 + 0 − 0.2]; row 1: [−1 + 0 − 4 + 0.1, 1 + 0 + 0 − 0.2]
    expect([...Z].map((v) => +v.toFixed(5))).toEqual([-3.9, 2.8, -4.9, 0.8]);
  });

  it("linearBackward computes dW = Aᵀ dZ, db = colsum dZ, dA = dZ Wᵀ", () => {
    const dZ = f32([1, 2, -1, 0.5]);
    const dW = new Float32Array(6).fill(99); // must be overwritten, not accumulated into
    const db = new Float32Array(2).fill(99);
    const dA = new Float32Array(6);
    linearBackward(A, W, dZ, dA, dW, db, 2, 3, 2);
    // dW[k][j] = Σ_n A[n][k] dZ[n][j]
    expect([...dW]).toEqual([2, 1.5, 2, 4, 1, 7]);
    expect([...db]).toEqual([0, 2.5]);
    // dA[n][k] = Σ_j dZ[n][j] W[k][j]
    expect([...dA]).toEqual([-1, 4.5, -2, -1.5, 0.5, 2]);
  });

  it("blocked and leftover rows agree with a float64 reference for B = 1..9 (tolerance 1e-5 relative)", () => {
    const rng = createRng(2);
    const close = (got: number, want: number) => Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want));
    for (let B = 1; B <= 9; B++) {
      const [Din, Dout] = [3 + (B % 3), 2 + (B % 4)];
      const Ax = randomArray(rng, B * Din);
      if (B > 4) Ax.fill(0, 0, 4 * Din); // an all-zero block takes the skip path
      const Wx = randomArray(rng, Din * Dout);
      const bx = randomArray(rng, Dout);
      const dZ = randomArray(rng, B * Dout);
      const Z = new Float32Array(B * Dout);
      const dW = new Float32Array(Din * Dout);
      const db = new Float32Array(Dout);
      const dA = new Float32Array(B * Din);
      linearForward(Ax, Wx, bx, Z, B, Din, Dout);
      linearBackward(Ax, Wx, dZ, dA, dW, db, B, Din, Dout);
      let bad = 0;
      for (let n = 0; n < B; n++)
        for (let j = 0; j < Dout; j++) {
          let z = bx[j]!;
          for (let k = 0; k < Din; k++) z += Ax[n * Din + k]! * Wx[k * Dout + j]!;
          if (!close(Z[n * Dout + j]!, z)) bad++;
        }
      for (let k = 0; k < Din; k++)
        for (let j = 0; j < Dout; j++) {
          let g = 0;
          for (let n = 0; n < B; n++) g += Ax[n * Din + k]! * dZ[n * Dout + j]!;
          if (!close(dW[k * Dout + j]!, g)) bad++;
        }
      for (let j = 0; j < Dout; j++) {
        let g = 0;
        for (let n = 0; n < B; n++) g += dZ[n * Dout + j]!;
        if (!close(db[j]!, g)) bad++;
      }
      for (let n = 0; n < B; n++)
        for (let k = 0; k < Din; k++) {
          let g = 0;
          for (let j = 0; j < Dout; j++) g += dZ[n * Dout + j]! * Wx[k * Dout + j]!;
          if (!close(dA[n * Din + k]!, g)) bad++;
        }
      expect(bad, `B = ${B}`).toBe(0);
    }
  });

  it("linearBackward matches finite differences of c = Σ G ⊙ Z (tolerance 1e-3 relative)", () => {
    const rng = createRng(1);
    const [B, Din, Dout] = [3, 4, 5];
    const Ax = randomArray(rng, B * Din);
    const Wx = randomArray(rng, Din * Dout);
    const bx = randomArray(rng, Dout);
    const G = randomArray(rng, B * Dout); // c's gradient w.r.t. Z
    const Z = new Float32Array(B * Dout);
    const cost = () => {
      linearForward(Ax, Wx, bx, Z, B, Din, Dout);
      let s = 0;
      for (let i = 0; i < Z.length; i++) s += G[i]! * Z[i]!;
      return s;
    };
    const dW = new Float32Array(Din * Dout);
    const db = new Float32Array(Dout);
    const dA = new Float32Array(B * Din);
    linearBackward(Ax, Wx, G, dA, dW, db, B, Din, Dout);
    for (const [x, g] of [
      [Ax, dA],
      [Wx, dW],
      [bx, db],
    ] as const) {
      for (let i = 0; i < x.length; i++) {
        const orig = x[i]!;
        x[i] = orig + 1e-2;
        const hp = x[i]!;
        const cp = cost();
        x[i] = orig - 1e-2;
        const hm = x[i]!;
        const cm = cost();
        x[i] = orig;
        const numeric = (cp - cm) / (hp - hm);
        expect(Math.abs(numeric - g[i]!)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(numeric)));
      }
    }
  });
});

describe("activation kernels", () => {
  const Z = f32([-3, -0.5, 0.25, 2]);

  it("forward values", () => {
    const A = new Float32Array(4);
    reluForward(Z, A, 4);
    expect([...A]).toEqual([0, 0, 0.25, 2]);
    sigmoidForward(Z, A, 4);
    [...Z].forEach((z, i) => expect(A[i]).toBeCloseTo(1 / (1 + Math.exp(-z)), 6));
    tanhForward(Z, A, 4);
    [...Z].forEach((z, i) => expect(A[i]).toBeCloseTo(Math.tanh(z), 6));
  });

  it("backward = act'(z) ⊙ dA, checked against central differences (tolerance 1e-3)", () => {
    const dA = f32([0.7, -1.3, 2, 0.4]);
    const h = 1e-3;
    const cases = [
      { fwd: (z: number) => Math.max(0, z), run: (A: Float32Array, dZ: Float32Array) => reluBackward(Z, dA, dZ, 4), act: reluForward },
      { fwd: sigmoid, run: (A: Float32Array, dZ: Float32Array) => sigmoidBackward(A, dA, dZ, 4), act: sigmoidForward },
      { fwd: Math.tanh, run: (A: Float32Array, dZ: Float32Array) => tanhBackward(A, dA, dZ, 4), act: tanhForward },
    ];
    for (const c of cases) {
      const A = new Float32Array(4);
      c.act(Z, A, 4);
      const dZ = new Float32Array(4);
      c.run(A, dZ);
      for (let i = 0; i < 4; i++) {
        const z = Z[i]!;
        const numeric = (dA[i]! * (c.fwd(z + h) - c.fwd(z - h))) / (2 * h);
        expect(Math.abs(dZ[i]! - numeric)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(numeric)));
      }
    }
  });

  it("backward may run in place (dZ === dA)", () => {
    const A = new Float32Array(4);
    tanhForward(Z, A, 4);
    const buf = f32([1, 1, 1, 1]);
    tanhBackward(A, buf, buf, 4);
    [...Z].forEach((z, i) => expect(buf[i]).toBeCloseTo(1 - Math.tanh(z) ** 2, 6));
  });

  it("sigmoid never overflows", () => {
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-50)).toBeGreaterThan(0);
  });
});

describe("output kernels: stable forms", () => {
  it("softplus is exact-ish at both extremes", () => {
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 12);
    expect(softplus(-40)).toBeCloseTo(Math.exp(-40), 25);
  });

  it("binary cross entropy at z = ±100 is finite and correct", () => {
    const Z = f32([100, -100, 100, -100]);
    const y = f32([0, 1, 1, 0]);
    // wrong & confident → ≈ 100 each; right & confident → ≈ e^−100
    expect(sigmoidCrossEntropyForward(Z, y, 4)).toBeCloseTo((100 + 100 + 2 * Math.exp(-100)) / 4, 10);
    const dZ = new Float32Array(4);
    sigmoidCrossEntropyBackward(Z, y, dZ, 4);
    expect([...dZ].map((v) => +v.toFixed(6))).toEqual([0.25, -0.25, 0, 0]);
  });

  it("softmax and its cross entropy with logits of 1000 are finite and correct", () => {
    const Z = f32([1000, 0, -1000, 1000, 1000, 1000]);
    const P = new Float32Array(6);
    softmaxForward(Z, P, 2, 3);
    expect([...P].every(Number.isFinite)).toBe(true);
    expect(P[0]).toBe(1);
    [3, 4, 5].forEach((i) => expect(P[i]).toBeCloseTo(1 / 3, 6));
    expect(softmaxCrossEntropyForward(Z, f32([0, 1]), 2, 3)).toBeCloseTo((0 + Math.log(3)) / 2, 6);
    expect(softmaxCrossEntropyForward(Z, f32([2, 1]), 2, 3)).toBeCloseTo((2000 + Math.log(3)) / 2, 6);
    const dZ = new Float32Array(6);
    softmaxCrossEntropyBackward(Z, f32([2, 1]), dZ, 2, 3);
    const expected = [0.5, 0, -0.5, 1 / 6, (1 / 3 - 1) / 2, 1 / 6];
    expected.forEach((e, i) => expect(dZ[i]).toBeCloseTo(e, 6));
  });

  it("squared error is ‖y − z‖² averaged over the batch, δ = 2(z − y)/B", () => {
    const Z = f32([1, 2, 3, 4]); // B = 2, D = 2
    const y = f32([0, 2, 5, 4]);
    expect(squaredErrorForward(Z, y, 2, 2)).toBe((1 + 0 + 4 + 0) / 2);
    const dZ = new Float32Array(4);
    squaredErrorBackward(Z, y, dZ, 2, 2);
    expect([...dZ]).toEqual([1, 0, -2, 0]);
  });
});
