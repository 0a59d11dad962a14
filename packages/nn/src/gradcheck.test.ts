// Finite-difference checks of the hand-written backprop on the float64 reference path, and of
// the float32 training path against it.
//
// float64: central differences, eps = 1e-6, on every parameter (weights, biases, PReLU slopes).
//   Tolerance |analytic − numeric| ≤ 1e-6·max(|a|, |n|) + 1e-8: truncation error is ~eps²,
//   rounding ~2e-16·loss/eps ≈ 1e-9 (hence the absolute term). Worst seen: 0.15 of the bound.
// float32 vs float64: same parameters and inputs, every gradient element
//   |g32 − g64| ≤ 1e-3·|g64| + 1e-5 (float32 sums carry ~1e-7 relative error per term).
//   Worst seen: 0.004 of the bound.
// Inputs are drawn until every hidden pre-activation is ≥ 1e-3 from a kink (0 for the
// rectifiers) and every maxout unit's best piece leads its runner-up by ≥ 1e-3, so no nudge of
// 1e-6 (nor float32 rounding) can switch a branch.

import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { ACTIVATIONS, type Activation } from "./kernels/activations";
import { createMlp, MlpModel } from "./mlp";
import type { MlpSpec, OutputUnit, Task } from "./types";

const OUTPUTS: { output: OutputUnit; task: Task; outputDim: number }[] = [
  { output: "sigmoid", task: "binary", outputDim: 1 },
  { output: "softmax", task: "multiclass", outputDim: 3 },
  { output: "softmax_km1", task: "multiclass", outputDim: 3 },
  { output: "linear", task: "regression", outputDim: 2 },
];

const MARGIN = 1e-3;
const EPS = 1e-6;
const B = 5;
const tol64 = (a: number, n: number) => 1e-6 * Math.max(Math.abs(a), Math.abs(n)) + 1e-8;
const tol32 = (g64: number) => 1e-3 * Math.abs(g64) + 1e-5;

function makeBatch(spec: MlpSpec, seed: number): { X: Float64Array; y: Float64Array } {
  const rng = createRng(seed);
  // Float32-representable inputs, so the float32 model sees exactly the same X.
  const X = Float64Array.from({ length: B * spec.inputDim }, () => Math.fround(rng.normal()));
  const yLen = spec.task === "regression" ? B * spec.outputDim : B;
  const y = Float64Array.from({ length: yLen }, () =>
    spec.task === "regression" ? Math.fround(rng.normal()) : rng.int(spec.task === "binary" ? 2 : spec.outputDim),
  );
  return { X, y };
}

/** Smallest distance of any hidden pre-activation from its unit's kink (or maxout tie). */
function kinkMargin(m: MlpModel<Float64Array>, X: Float64Array): number {
  m.forward(X, B);
  let margin = Infinity;
  m.layers.forEach((layer, l) => {
    if (layer.act === null) return;
    const Z = m.preactivations(l, B);
    if (layer.act === "maxout") {
      const k = layer.pieces;
      for (let u = 0; u < B * layer.units; u++) {
        const pieces = Array.from(Z.subarray(u * k, u * k + k)).sort((a, b) => b - a);
        margin = Math.min(margin, pieces[0]! - pieces[1]!);
      }
    } else if (layer.act !== "sigmoid" && layer.act !== "tanh") {
      for (const z of Z) margin = Math.min(margin, Math.abs(z));
    }
  });
  return margin;
}

function checkSpec(spec: MlpSpec, seed: number): void {
  const m = createMlp(spec, { seed, dtype: "float64" }) as MlpModel<Float64Array>;
  let batch = makeBatch(spec, 0);
  for (let s = 1; kinkMargin(m, batch.X) < MARGIN; s++) {
    if (s > 2000) throw new Error("no batch away from the kinks");
    batch = makeBatch(spec, s);
  }
  const { X, y } = batch;
  const { grads } = m.lossAndGradients(X, y, B);
  let checked = 0;
  m.params.forEach((p, pi) => {
    let largest = 0;
    for (let i = 0; i < p.data.length; i++) {
      const orig = p.data[i]!;
      p.data[i] = orig + EPS;
      const lPlus = m.lossAndGradients(X, y, B).loss;
      p.data[i] = orig - EPS;
      const lMinus = m.lossAndGradients(X, y, B).loss;
      p.data[i] = orig;
      const numeric = (lPlus - lMinus) / (2 * EPS);
      const analytic = grads[pi]![i]!;
      if (Math.abs(analytic - numeric) > tol64(analytic, numeric)) {
        throw new Error(`${p.name}[${i}]: analytic ${analytic} vs numeric ${numeric}`);
      }
      largest = Math.max(largest, Math.abs(analytic));
      checked++;
    }
    // The check is vacuous if a tensor's gradient is all ~0.
    expect(largest, `${p.name} has a non-trivial gradient`).toBeGreaterThan(1e-4);
  });
  expect(checked).toBe(m.paramCount);

  // The float32 path on the same (float32-representable) parameters and inputs.
  const m32 = createMlp(spec, { seed: seed + 1 });
  m32.setParams(m.getParams().map((p) => ({ ...p, data: p.data.map(Math.fround) })));
  m.setParams(m32.getParams());
  const g64 = m.lossAndGradients(X, y, B).grads;
  const g32 = m32.lossAndGradients(Float32Array.from(X), Float32Array.from(y), B).grads;
  g64.forEach((g, pi) => {
    for (let i = 0; i < g.length; i++) {
      if (Math.abs(g32[pi]![i]! - g[i]!) > tol32(g[i]!)) {
        throw new Error(`${m.params[pi]!.name}[${i}]: float32 ${g32[pi]![i]} vs float64 ${g[i]}`);
      }
    }
  });
}

describe("float64 gradient check (central differences) and float32 agreement, depth 2", () => {
  const cases = ACTIVATIONS.flatMap((activation) => OUTPUTS.map((o) => ({ activation, ...o })));

  it("covers all 7 hidden units × 4 output units", () => {
    expect(cases).toHaveLength(28);
  });

  it.each(cases)("$activation hidden × $output output", ({ activation, output, task, outputDim }) => {
    checkSpec({ inputDim: 4, hidden: [5, 4], activation, task, outputDim, output, leakyAlpha: 0.1 }, 11);
  });
});

describe("mixed per-layer units", () => {
  const wiring: Activation[] = ["prelu", "maxout", "abs", "leaky_relu", "tanh"];
  it.each(OUTPUTS)("prelu → maxout(k = 3) → abs → leaky_relu → tanh, $output output", ({ output, task, outputDim }) => {
    checkSpec(
      { inputDim: 3, hidden: [6, 5, 4, 4, 3], activation: wiring, task, outputDim, output, maxoutPieces: 3 },
      5,
    );
  });
});
