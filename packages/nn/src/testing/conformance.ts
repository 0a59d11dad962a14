// One kernel conformance suite for every backend: each kernel, and whole training steps, against
// the TypeScript reference (src/kernels/*, MlpModel + SgdOptimizer) on random data.
//
//   import { describeBackendConformance } from "@automl/nn/testing";
//   describeBackendConformance("native", nativeBackend);
//
// Tolerance (float32 everywhere): |got − want| ≤ TOL · max(1, |want|) with TOL = 1e-4 for
// single kernels (different summation orders in a GEMM, float vs double exp/tanh: a few ulps
// times √Din), STEP_TOL = 1e-3 for parameters after several training steps (the rounding
// differences pass through the nonlinearities and compound over steps). Integer outputs
// (maxout winners) must match exactly except where two pieces are within TOL of each other.

import { describe, expect, it } from "vitest";
import { createRng, type Rng } from "@automl/common/core";
import type { Backend, BackendKernels } from "../backend";
import { jsBackend } from "../backends/js";
import { ACTIVATIONS, type Activation, type ElementwiseActivation } from "../kernels/activations";
import { MlpModel } from "../mlp";
import { OUTPUT_UNITS, logitWidth, type OutputUnit } from "../output-units";
import type { SgdOptions } from "../optimizer";
import type { MlpSpec, Task } from "../types";

export const TOL = 1e-4;
export const STEP_TOL = 1e-3;

const ELEMENTWISE: readonly ElementwiseActivation[] = ["relu", "leaky_relu", "abs", "sigmoid", "tanh"];

function randn(rng: Rng, len: number, scale = 1): Float32Array {
  return Float32Array.from({ length: len }, () => scale * rng.normal());
}

/** Fails with the first mismatching index and the number of mismatches. */
export function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let bad = 0;
  let first = "";
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= tol * Math.max(1, Math.abs(w)) : Object.is(g, w) || g === w;
    if (!ok) {
      if (bad === 0) first = `[${i}] got ${g}, want ${w}`;
      bad++;
    }
  }
  expect(bad, `${what}: ${bad} of ${want.length} outside tolerance ${tol}; first ${first}`).toBe(0);
}

function labelsFor(rng: Rng, task: Task, B: number, K: number): Float32Array {
  if (task === "regression") return randn(rng, B * K);
  return Float32Array.from({ length: B }, () => (task === "binary" ? rng.int(2) : rng.int(K)));
}

const TASK_OF: Record<OutputUnit, Task> = { sigmoid: "binary", softmax: "multiclass", softmax_km1: "multiclass", linear: "regression" };

/** Registers the suite for `backend` under describe(`${name} backend conformance`). */
export function describeBackendConformance(name: string, backend: Backend): void {
  const ref: BackendKernels = jsBackend.kernels;
  const k = backend.kernels;

  describe(`${name} backend conformance (vs the TypeScript reference, tolerance ${TOL} relative)`, () => {
    it("linearForward and linearBackward (with and without dA) on several shapes", () => {
      const rng = createRng(11);
      for (const [B, Din, Dout] of [
        [1, 1, 1],
        [3, 5, 2],
        [7, 13, 9],
        [32, 64, 48],
        [128, 100, 10],
      ] as const) {
        const A = randn(rng, B * Din);
        const W = randn(rng, Din * Dout, 0.3);
        const b = randn(rng, Dout);
        const dZ = randn(rng, B * Dout);
        const shape = `B=${B} Din=${Din} Dout=${Dout}`;
        const Zr = new Float32Array(B * Dout);
        const Zg = new Float32Array(B * Dout).fill(7); // overwritten, not accumulated into
        ref.linearForward(A, W, b, Zr, B, Din, Dout);
        k.linearForward(A, W, b, Zg, B, Din, Dout);
        expectAllClose(Zg, Zr, TOL, `Z ${shape}`);
        for (const withDA of [true, false]) {
          const out = (fill: number) => ({
            dA: withDA ? new Float32Array(B * Din).fill(fill) : null,
            dW: new Float32Array(Din * Dout).fill(fill),
            db: new Float32Array(Dout).fill(fill),
          });
          const r = out(0);
          const g = out(5);
          ref.linearBackward(A, W, dZ, r.dA, r.dW, r.db, B, Din, Dout);
          k.linearBackward(A, W, dZ, g.dA, g.dW, g.db, B, Din, Dout);
          expectAllClose(g.dW, r.dW, TOL, `dW ${shape}`);
          expectAllClose(g.db, r.db, TOL, `db ${shape}`);
          if (withDA) expectAllClose(g.dA!, r.dA!, TOL, `dA ${shape}`);
        }
      }
    });

    for (const act of ELEMENTWISE) {
      it(`${act}: forward and backward (incl. z = 0 and large |z|)`, () => {
        const rng = createRng(ACTIVATIONS.indexOf(act) + 20);
        const len = 257;
        const Z = randn(rng, len, 3);
        Z[0] = 0;
        Z[1] = 40;
        Z[2] = -40;
        const dA = randn(rng, len);
        for (const leaky of [0.01, 0.2]) {
          const Ar = new Float32Array(len);
          const Ag = new Float32Array(len);
          ref.activationForward(act, Z, Ar, len, leaky);
          k.activationForward(act, Z, Ag, len, leaky);
          expectAllClose(Ag, Ar, TOL, `${act} A (α ${leaky})`);
          const dZr = new Float32Array(len);
          const dZg = new Float32Array(len).fill(3);
          ref.activationBackward(act, Z, Ar, dA, dZr, len, leaky);
          k.activationBackward(act, Z, Ar, dA, dZg, len, leaky);
          expectAllClose(dZg, dZr, TOL, `${act} dZ (α ${leaky})`);
        }
      });
    }

    it("prelu: forward, backward and the slopes' gradient dα", () => {
      const rng = createRng(31);
      const [B, D] = [17, 11];
      const Z = randn(rng, B * D);
      Z[3] = 0;
      const alpha = Float32Array.from({ length: D }, () => 0.05 + 0.5 * rng.next());
      const dA = randn(rng, B * D);
      const Ar = new Float32Array(B * D);
      const Ag = new Float32Array(B * D);
      ref.preluForward(Z, alpha, Ar, B, D);
      k.preluForward(Z, alpha, Ag, B, D);
      expectAllClose(Ag, Ar, TOL, "prelu A");
      const r = { dZ: new Float32Array(B * D), dAlpha: new Float32Array(D) };
      const g = { dZ: new Float32Array(B * D), dAlpha: new Float32Array(D).fill(9) }; // dα overwritten
      ref.preluBackward(Z, alpha, dA, r.dZ, r.dAlpha, B, D);
      k.preluBackward(Z, alpha, dA, g.dZ, g.dAlpha, B, D);
      expectAllClose(g.dZ, r.dZ, TOL, "prelu dZ");
      expectAllClose(g.dAlpha, r.dAlpha, TOL, "prelu dα");
      expect(r.dAlpha.some((v) => v !== 0)).toBe(true);
    });

    it("maxout: forward values, winner routing (ties → lowest piece) and backward", () => {
      const rng = createRng(41);
      for (const pieces of [2, 3, 5]) {
        const [B, D] = [9, 7];
        const Z = randn(rng, B * D * pieces);
        // Exact ties in the first row: every unit's pieces equal.
        for (let j = 0; j < D; j++) for (let s = 0; s < pieces; s++) Z[j * pieces + s] = 0.5;
        const Ar = new Float32Array(B * D);
        const Ag = new Float32Array(B * D);
        const wr = new Int32Array(B * D);
        const wg = new Int32Array(B * D).fill(-1);
        ref.maxoutForward(Z, Ar, wr, B, D, pieces);
        k.maxoutForward(Z, Ag, wg, B, D, pieces);
        expectAllClose(Ag, Ar, TOL, `maxout A k=${pieces}`);
        expect([...wg], `winners k=${pieces}`).toEqual([...wr]);
        expect([...wg.subarray(0, D)].every((w) => w === 0)).toBe(true);
        const dA = randn(rng, B * D);
        const dZr = new Float32Array(B * D * pieces);
        const dZg = new Float32Array(B * D * pieces).fill(4);
        ref.maxoutBackward(wr, dA, dZr, B, D, pieces);
        k.maxoutBackward(wr, dA, dZg, B, D, pieces);
        expectAllClose(dZg, dZr, TOL, `maxout dZ k=${pieces}`);
      }
    });

    for (const unit of OUTPUT_UNITS) {
      it(`output unit ${unit}: values, mean cost and δ(L) (incl. logits of ±60)`, () => {
        const rng = createRng(51 + OUTPUT_UNITS.indexOf(unit));
        const task = TASK_OF[unit];
        for (const K of task === "binary" ? [1] : task === "multiclass" ? [2, 3, 10] : [1, 3]) {
          const B = 23;
          const J = logitWidth(unit, K);
          const Z = randn(rng, B * J, 2);
          Z[0] = 60;
          if (Z.length > 1) Z[1] = -60;
          const y = labelsFor(rng, task, B, K);
          const outR = new Float32Array(B * K);
          const outG = new Float32Array(B * K);
          ref.outputForward(unit, Z, outR, B, K);
          k.outputForward(unit, Z, outG, B, K);
          expectAllClose(outG, outR, TOL, `${unit} K=${K} values`);
          const dR = new Float32Array(B * J);
          const dG = new Float32Array(B * J).fill(2);
          const lossR = ref.outputLossAndDelta(unit, Z, y, dR, B, K);
          const lossG = k.outputLossAndDelta(unit, Z, y, dG, B, K);
          expectAllClose([lossG], [lossR], TOL, `${unit} K=${K} cost`);
          expectAllClose(dG, dR, TOL, `${unit} K=${K} δ`);
        }
      });
    }

    it("sgdUpdate: plain, with decay and clipping scale, with momentum (w, v and Σg²)", () => {
      const rng = createRng(61);
      const n = 1031;
      for (const [mu, lambda, scale] of [
        [0, 0, 1],
        [0, 1e-3, 0.5],
        [0.9, 0, 1],
        [0.5, 1e-2, 0.25],
      ] as const) {
        const w0 = randn(rng, n);
        const g = randn(rng, n, 0.1);
        const v0 = randn(rng, n, 0.01);
        const wr = w0.slice();
        const wg = w0.slice();
        const vr = mu > 0 ? v0.slice() : null;
        const vg = mu > 0 ? v0.slice() : null;
        const sr = ref.sgdUpdate(wr, g, vr, 0.05, mu, lambda, scale);
        const sg = k.sgdUpdate(wg, g, vg, 0.05, mu, lambda, scale);
        const what = `μ=${mu} λ=${lambda} scale=${scale}`;
        expectAllClose(wg, wr, TOL, `${what} w`);
        if (vr) expectAllClose(vg!, vr, TOL, `${what} v`);
        expectAllClose([sg], [sr], TOL, `${what} Σg²`);
      }
    });

    type StepCase = { act: Activation; output: OutputUnit; K: number; opts: SgdOptions; inputDim: number; hidden: number[]; lr?: number };
    const stepCases: StepCase[] = ACTIVATIONS.map((act, i) => {
      const output = OUTPUT_UNITS[i % OUTPUT_UNITS.length]!;
      const K = output === "sigmoid" ? 1 : output === "linear" ? 2 : 4;
      const opts: SgdOptions[] = [{}, { momentum: 0.9 }, { momentum: 0.5, weightDecay: 1e-3 }, { clipNorm: 0.5 }];
      return { act, output, K, opts: opts[i % opts.length]!, inputDim: 5, hidden: [9, 6] };
    });
    // Wider layers too: a backend may switch algorithms with the size (the native one calls
    // BLAS only above a size), and both paths must agree with the reference.
    stepCases.push(
      { act: "relu", output: "softmax", K: 10, opts: { momentum: 0.9, clipNorm: 1 }, inputDim: 48, hidden: [96, 64] },
      { act: "prelu", output: "sigmoid", K: 1, opts: { weightDecay: 1e-3 }, inputDim: 40, hidden: [80] },
      { act: "maxout", output: "linear", K: 3, opts: { momentum: 0.5 }, inputDim: 40, hidden: [50, 30], lr: 0.01 },
    );
    for (const c of stepCases) {
      it(`training session, ${c.inputDim}-${c.hidden.join("-")} ${c.act} → ${c.output} ${JSON.stringify(c.opts)}: 6 steps give the reference's weights (tolerance ${STEP_TOL})`, () => {
        const spec: MlpSpec = {
          inputDim: c.inputDim,
          hidden: c.hidden,
          activation: c.act,
          task: TASK_OF[c.output],
          outputDim: c.K,
          output: c.output,
          maxoutPieces: 3,
          leakyAlpha: 0.05,
        };
        const mRef = new MlpModel(spec, 7);
        const mGot = new MlpModel(spec, 7);
        const sRef = jsBackend.createSession(mRef, c.opts);
        const sGot = backend.createSession(mGot, c.opts);
        const rng = createRng(71);
        try {
          for (let step = 0; step < 6; step++) {
            const B = step === 5 ? 3 : 16; // a short last batch, as at the end of an epoch
            const X = randn(rng, 16 * spec.inputDim);
            const y = labelsFor(rng, spec.task, 16, c.K);
            const lr = (c.lr ?? 0.1) / (1 + step);
            const lossR = sRef.step(X, y, B, lr);
            const lossG = sGot.step(X, y, B, lr);
            expect(Number.isFinite(lossR), `step ${step}: the reference diverged (a bad case, not a backend bug)`).toBe(true);
            expectAllClose([lossG], [lossR], STEP_TOL, `step ${step} loss`);
            expectAllClose(sGot.sqNorms, sRef.sqNorms, STEP_TOL, `step ${step} Σg² per tensor`);
            for (let l = 0; l < mRef.layers.length; l++) {
              expectAllClose(sGot.preactivations(l, B), sRef.preactivations(l, B), STEP_TOL, `step ${step} Z${l + 1}`);
            }
          }
          sGot.pullParams?.(); // a device-resident session's parameters come back when asked
          mRef.params.forEach((p, i) => expectAllClose(mGot.params[i]!.data, p.data, STEP_TOL, `param ${p.name}`));
          // Parameters moved (the test would pass trivially otherwise).
          const init = new MlpModel(spec, 7);
          expect(mGot.params.some((p, i) => p.data.some((v, j) => v !== init.params[i]!.data[j]))).toBe(true);
          const X = randn(rng, 40 * spec.inputDim);
          const y = labelsFor(rng, spec.task, 40, c.K);
          expectAllClose(sGot.forward(X, 40), sRef.forward(X, 40), STEP_TOL, "forward after training");
          expectAllClose([sGot.lossOfLastForward(y, 40)], [sRef.lossOfLastForward(y, 40)], STEP_TOL, "loss after training");
        } finally {
          sGot.dispose();
          sRef.dispose();
        }
      });
    }

    const hasStepRows = (() => {
      const probe = backend.createSession(new MlpModel({ inputDim: 1, hidden: [], activation: "relu", task: "regression", outputDim: 1 }, 1), {});
      try {
        return typeof probe.stepRows === "function";
      } finally {
        probe.dispose();
      }
    })();
    // An optional capability: registered only for backends that have it, so none counts a skip.
    const itIfStepRows = hasStepRows ? it : (() => {}) as unknown as typeof it;
    itIfStepRows(
      "stepRows (optional) equals step on the same rows gathered in JS",
      () => {
        const spec: MlpSpec = { inputDim: 30, hidden: [40], activation: "tanh", task: "regression", outputDim: 2 };
        const rng = createRng(81);
        const n = 50;
        const X = randn(rng, n * spec.inputDim);
        const y = randn(rng, n * 2);
        const order = Int32Array.from({ length: n }, (_, i) => (i * 7) % n);
        const [mA, mB] = [new MlpModel(spec, 4), new MlpModel(spec, 4)];
        const [a, b] = [backend.createSession(mA, { momentum: 0.9 }), backend.createSession(mB, { momentum: 0.9 })];
        try {
          for (let start = 0; start < n; start += 16) {
            const B = Math.min(16, n - start);
            const Xb = new Float32Array(B * spec.inputDim);
            const yb = new Float32Array(B * 2);
            for (let r = 0; r < B; r++) {
              const row = order[start + r]!;
              Xb.set(X.subarray(row * spec.inputDim, (row + 1) * spec.inputDim), r * spec.inputDim);
              yb.set(y.subarray(row * 2, row * 2 + 2), r * 2);
            }
            const la = a.step(Xb, yb, B, 0.05);
            const lb = b.stepRows!(X, y, order, start, B, 0.05);
            expectAllClose([lb], [la], TOL, `loss at row ${start}`);
          }
          a.pullParams?.();
          b.pullParams?.();
          mA.params.forEach((p, i) => expectAllClose(mB.params[i]!.data, p.data, TOL, `param ${p.name}`));
          expect(() => b.stepRows!(X, y, Int32Array.of(0, n), 0, 2, 0.05)).toThrow(/order\[1\]/);
        } finally {
          a.dispose();
          b.dispose();
        }
      },
    );

    it("a non-finite cost leaves the parameters unchanged", () => {
      const spec: MlpSpec = { inputDim: 3, hidden: [4], activation: "relu", task: "regression", outputDim: 1 };
      const m = new MlpModel(spec, 3);
      const before = m.params.map((p) => p.data.slice());
      const s = backend.createSession(m, { momentum: 0.9 });
      try {
        const loss = s.step(Float32Array.of(1, 2, 3), Float32Array.of(Infinity), 1, 0.1);
        expect(Number.isFinite(loss)).toBe(false);
        s.pullParams?.();
        m.params.forEach((p, i) => expect([...p.data]).toEqual([...before[i]!]));
      } finally {
        s.dispose();
      }
    });
  });
}
