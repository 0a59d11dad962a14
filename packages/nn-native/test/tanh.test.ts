// The native tanh is a rational approximation (src/kernels.h, tanh_fast), not libm's: check it
// against Math.tanh (double precision, rounded to float32 by nothing but the comparison) on a
// dense grid of float32 inputs and at the edges. Tolerance: 5e-7 relative — a few float32 ulps
// (float32 itself rounds at 6e-8), far inside the 1e-4 of the backend conformance suite.
import { describe, expect, it } from "vitest";
import { elementwiseCode } from "../src/coded-kernels";
import { requireNative } from "./support";

const native = requireNative();

function nativeTanh(xs: Float32Array): Float32Array {
  const out = new Float32Array(xs.length);
  native!.addon.activationForward(elementwiseCode("tanh"), xs.slice(), out, xs.length, 0);
  return out;
}

describe.skipIf(!native)("native tanh", () => {
  it("is within 5e-7 relative of Math.tanh on 2.4 million points of [-12, 12]", () => {
    const n = 2_400_001;
    const xs = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1));
    const got = nativeTanh(xs);
    let worst = 0;
    let at = 0;
    for (let i = 0; i < n; i++) {
      const exact = Math.tanh(xs[i]!);
      const rel = exact === 0 ? Math.abs(got[i]!) : Math.abs(got[i]! - exact) / Math.abs(exact);
      if (rel > worst) [worst, at] = [rel, xs[i]!];
    }
    expect(worst, `worst at x = ${at}`).toBeLessThan(5e-7);
  });

  it("is exact near 0, odd, saturates to ±1, and keeps NaN", () => {
    const xs = Float32Array.from([0, -0, 1e-30, -1e-20, 3e-4, 20, -20, 1e30, Infinity, -Infinity, NaN]);
    const got = nativeTanh(xs);
    expect(Array.from(got.subarray(0, 4))).toEqual([0, -0, Math.fround(1e-30), Math.fround(-1e-20)]);
    expect(Math.abs(got[4]! - Math.tanh(xs[4]!)) / Math.tanh(xs[4]!)).toBeLessThan(5e-7);
    expect(Array.from(got.subarray(5, 10))).toEqual([1, -1, 1, 1, -1]);
    expect(got[10]).toBeNaN();
    const ys = Float32Array.from({ length: 1000 }, (_, i) => (i - 500) / 37);
    const pos = nativeTanh(ys);
    const neg = nativeTanh(ys.map((y) => -y));
    for (let i = 0; i < ys.length; i++) expect(neg[i]).toBe(-pos[i]!);
  });
});
