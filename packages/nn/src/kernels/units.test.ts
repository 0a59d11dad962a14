import { describe, expect, it } from "vitest";
import {
  absBackward,
  absForward,
  activationBackward,
  activationForward,
  leakyReluBackward,
  leakyReluForward,
} from "./activations";
import { maxoutBackward, maxoutForward } from "./maxout";
import { softmaxKm1CrossEntropyBackward, softmaxKm1CrossEntropyForward, softmaxKm1Forward } from "./outputs";
import { preluBackward, preluForward } from "./prelu";

const f64 = (xs: number[]) => Float64Array.from(xs);

describe("leaky ReLU and absolute-value rectification", () => {
  const Z = f64([-3, -0.5, 0, 0.25, 2]);
  const dA = f64([1, 2, 3, 4, 5]);

  it("leaky: a = z or αz; act' = 1 or α (α at z = 0)", () => {
    const A = new Float64Array(5);
    leakyReluForward(Z, A, 5, 0.1);
    expect([...A]).toEqual([-0.30000000000000004, -0.05, 0, 0.25, 2]);
    const dZ = new Float64Array(5);
    leakyReluBackward(Z, dA, dZ, 5, 0.1);
    expect([...dZ]).toEqual([0.1, 0.2, 0.30000000000000004, 4, 5]);
  });

  it("abs at negative z: a = −z = |z|, act' = sign(z) = −1 (0 at z = 0)", () => {
    const A = new Float64Array(5);
    absForward(Z, A, 5);
    expect([...A]).toEqual([3, 0.5, 0, 0.25, 2]);
    const dZ = new Float64Array(5);
    absBackward(Z, dA, dZ, 5);
    expect([...dZ]).toEqual([-1, -2, 0, 4, 5]);
  });

  it("the dispatch uses the default α = 0.01 and may run in place", () => {
    const A = new Float32Array(5);
    activationForward("leaky_relu", Z, A, 5);
    expect(A[0]).toBeCloseTo(-0.03, 7);
    const buf = Float32Array.from(dA);
    activationBackward("leaky_relu", Z, A, buf, buf, 5);
    expect([...buf].map((v) => +v.toFixed(6))).toEqual([0.01, 0.02, 0.03, 4, 5]);
    activationBackward("abs", Z, A, dA, buf, 5);
    expect([...buf]).toEqual([-1, -2, 0, 4, 5]);
  });
});

describe("PReLU (one learned α per unit)", () => {
  // B = 2, D = 2; α = (0.25, 0.5)
  const Z = f64([-2, 3, 4, -1]);
  const alpha = f64([0.25, 0.5]);

  it("forward: z > 0 → z, else α_j z", () => {
    const A = new Float64Array(4);
    preluForward(Z, alpha, A, 2, 2);
    expect([...A]).toEqual([-0.5, 3, 4, -0.5]);
  });

  it("backward: dZ = (1 or α_j)·dA, dα_j = Σ_n [z < 0] z·dA", () => {
    const dA = f64([1, 2, 3, 4]);
    const dZ = new Float64Array(4);
    const dAlpha = f64([99, 99]); // overwritten, not accumulated into
    preluBackward(Z, alpha, dA, dZ, dAlpha, 2, 2);
    expect([...dZ]).toEqual([0.25, 2, 3, 2]);
    expect([...dAlpha]).toEqual([-2 * 1, -1 * 4]);
  });
});

describe("maxout (k pieces per unit, column j·k + s)", () => {
  // B = 2, D = 2 units, k = 3 pieces → Z is 2×6
  const Z = f64([
    1, 5, 2, /* unit 0 */ -1, -3, -2 /* unit 1 */,
    7, 7, 0, /* tie → lowest s */ 0.5, 0.25, 0.75,
  ]);

  it("forward: a_j = max_s z_{j,s}; winners route ties to the lowest piece", () => {
    const A = new Float64Array(4);
    const winners = new Int32Array(4);
    maxoutForward(Z, A, winners, 2, 2, 3);
    expect([...A]).toEqual([5, -1, 7, 0.75]);
    expect([...winners]).toEqual([1, 0, 0, 2]);
  });

  it("backward: the gradient flows only to the winning piece", () => {
    const A = new Float64Array(4);
    const winners = new Int32Array(4);
    maxoutForward(Z, A, winners, 2, 2, 3);
    const dA = f64([10, 20, 30, 40]);
    const dZ = new Float64Array(12).fill(99);
    maxoutBackward(winners, dA, dZ, 2, 2, 3);
    expect([...dZ]).toEqual([0, 10, 0, 20, 0, 0, 30, 0, 0, 0, 0, 40]);
  });
});

describe("softmax_km1: K − 1 logits, z_K fixed at 0", () => {
  it("probabilities match exp(z_j)/(Σ exp(z_i) + 1), sum to 1, and stay finite at z = ±1000", () => {
    // K = 3: rows (ln 2, 0) → (2, 1, 1)/4; (1000, −1000) → (1, 0, 0); (−1000, −1000) → (0, 0, 1)
    const Z = f64([Math.log(2), 0, 1000, -1000, -1000, -1000]);
    const P = new Float64Array(9);
    softmaxKm1Forward(Z, P, 3, 3);
    expect([P[0], P[1], P[2]].map((p) => +p!.toFixed(15))).toEqual([0.5, 0.25, 0.25]);
    expect([P[3], P[4], P[5]]).toEqual([1, 0, 0]);
    expect([P[6], P[7], P[8]]).toEqual([0, 0, 1]);
    for (let n = 0; n < 3; n++) expect(P[3 * n]! + P[3 * n + 1]! + P[3 * n + 2]!).toBeCloseTo(1, 14);
  });

  it("cost = log(Σ exp(z) + 1) − z_y (z_y = 0 for the last class); δ_j = ρ̂_j − 1[j = y], over B", () => {
    const Z = f64([Math.log(2), 0, Math.log(2), 0]); // two rows, ρ̂ = (½, ¼, ¼)
    const y = f64([0, 2]);
    expect(softmaxKm1CrossEntropyForward(Z, y, 2, 3)).toBeCloseTo((Math.log(4 / 2) + Math.log(4)) / 2, 14);
    const dZ = new Float64Array(4);
    softmaxKm1CrossEntropyBackward(Z, y, dZ, 2, 3);
    [(0.5 - 1) / 2, 0.25 / 2, 0.5 / 2, 0.25 / 2].forEach((e, i) => expect(dZ[i]).toBeCloseTo(e, 14));
    // Confidently wrong by 1000 nats: finite and exact.
    expect(softmaxKm1CrossEntropyForward(f64([1000, 0]), f64([2]), 1, 3)).toBeCloseTo(1000, 9);
  });

  it("equals softmax over (z, 0)", () => {
    const Z = f64([0.3, -1.2, 2.5]);
    const P = new Float64Array(4);
    softmaxKm1Forward(Z, P, 1, 4);
    const full = [0.3, -1.2, 2.5, 0].map(Math.exp);
    const s = full.reduce((a, b) => a + b, 0);
    full.forEach((e, j) => expect(P[j]).toBeCloseTo(e / s, 15));
  });
});
