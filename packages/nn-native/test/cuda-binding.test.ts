// The cuda backend's N-API binding (cuda/binding.cc) and its TypeScript session (src/cuda.ts).
// - Everywhere g++ is: the binding built against the CPU stand-in for the CUDA runtime
//   (cuda/emulate) runs the shared conformance suite as "cuda (emulated)" — every kernel and
//   whole training steps against the TypeScript reference — plus what is particular to it:
//   parameters stay on the "device" until pulled, pushes reach it, device memory is freed by
//   dispose, cross validation gives the TypeScript backend's results, errors name the argument.
//   The emulation checks the marshalling, the memory lifecycle (its cudaMemcpy refuses copies
//   in the wrong direction or past a buffer) and the kernels' math — not a GPU.
// - Where `nvidia-smi -L` lists a GPU: the real addon (npm run build) must load, and runs the
//   same suite as "cuda". Registered only there, so machines without a GPU count no skip.
// - Everywhere: loadCuda() never throws, and says why when there is no backend.
import { describe, expect, it } from "vitest";
import { crossValidate, jsBackend, MlpModel, type Backend, type CvData, type EpochReport, type MlpSpec } from "@automl/nn";
import { describeBackendConformance, expectAllClose } from "@automl/nn/testing";
import { loadCuda, loadCudaFrom, type CudaAddon } from "../src/cuda";
import { buildEmulatedCuda, hasGpu, hasGxx } from "./cuda-support";

const emulated = hasGxx ? buildEmulatedCuda() : { error: "no g++" };
const emu = emulated.path ? loadCudaFrom(emulated.path) : null;
if (emu?.backend) describeBackendConformance("cuda (emulated)", emu.backend);

if (hasGpu) {
  const real = loadCuda();
  describe("the cuda backend on this GPU", () => {
    it("loads, with a device", () => {
      expect(real.reason).toBeUndefined();
      expect(real.device?.count).toBeGreaterThan(0);
      expect(real.device?.emulated).toBe(false);
    });
  });
  if (real.backend) describeBackendConformance("cuda", real.backend);
}

const SPEC: MlpSpec = { inputDim: 6, hidden: [10, 7], activation: "relu", task: "multiclass", outputDim: 3 };

function batch(seed: number, B: number, spec: MlpSpec): { X: Float32Array; y: Float32Array } {
  const X = Float32Array.from({ length: B * spec.inputDim }, (_, i) => Math.sin(i * 1.7 + seed));
  const y = Float32Array.from({ length: B }, (_, i) => (i + seed) % spec.outputDim);
  return { X, y };
}

/**
 * Noisy XOR: four clusters, labels by quadrant, every 7th label flipped (deterministic). The
 * noise makes early stopping stop before the last epoch, so the best weights get restored.
 */
function noisyXor(n: number): CvData {
  const X = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = i % 2;
    const b = (i >> 1) % 2;
    X[2 * i] = a + 0.3 * Math.sin(i * 25.8);
    X[2 * i + 1] = b + 0.3 * Math.cos(i * 31.3);
    y[i] = a ^ b ^ (i % 7 === 0 ? 1 : 0);
  }
  return { X, y, n, d: 2 };
}

const gxxNote = hasGxx ? "" : " (skipped: no g++ on PATH)";
describe(`the cuda binding under CPU emulation${gxxNote}`, () => {
  it.skipIf(!hasGxx)("builds, loads and reports the emulated device", () => {
    expect(emulated.error).toBeUndefined();
    expect(emu?.reason).toBeUndefined();
    expect(emu!.device).toMatchObject({ count: 1, emulated: true, gemm: "tiled" });
    expect(emu!.backend!.name).toBe("cuda");
    expect(emu!.backend!.unsupported(SPEC, "float64")).toMatch(/float32 only/);
  });

  it.skipIf(!hasGxx)("keeps the parameters on the device until pulled, and a push reaches it", () => {
    const backend = emu!.backend!;
    const [mRef, mGot] = [new MlpModel(SPEC, 5), new MlpModel(SPEC, 5)];
    const initial = mGot.copyParams();
    const sRef = jsBackend.createSession(mRef, { momentum: 0.9 });
    const sGot = backend.createSession(mGot, { momentum: 0.9 });
    try {
      for (let s = 0; s < 4; s++) {
        const { X, y } = batch(s, 12, SPEC);
        expectAllClose([sGot.step(X, y, 12, 0.1)], [sRef.step(X, y, 12, 0.1)], 1e-4, `loss ${s}`);
      }
      // Resident: the model's arrays have not moved…
      mGot.params.forEach((p, i) => expect([...p.data]).toEqual([...initial[i]!]));
      // …until the engine asks.
      sGot.pullParams!();
      mRef.params.forEach((p, i) => expectAllClose(mGot.params[i]!.data, p.data, 1e-4, `pulled ${p.name}`));
      // Writes to the model reach the device only through pushParams.
      mGot.restoreParams(initial);
      mRef.restoreParams(initial);
      sGot.pushParams!();
      const { X, y } = batch(9, 20, SPEC);
      expectAllClose(sGot.forward(X, 20), sRef.forward(X, 20), 1e-4, "forward after push");
      expectAllClose([sGot.lossOfLastForward(y, 20)], [sRef.lossOfLastForward(y, 20)], 1e-4, "loss after push");
      expectAllClose(sGot.preactivations(1, 20), sRef.preactivations(1, 20), 1e-4, "Z2 after push");
    } finally {
      sGot.dispose();
      sRef.dispose();
    }
  });

  it.skipIf(!hasGxx)("markAlive (the dead-unit diagnostic on the device) equals a scan of the reference's preactivations", () => {
    const spec: MlpSpec = { inputDim: 4, hidden: [12, 9], activation: "relu", task: "binary", outputDim: 1 };
    const [mRef, mGot] = [new MlpModel(spec, 2), new MlpModel(spec, 2)];
    const sRef = jsBackend.createSession(mRef, {});
    const sGot = emu!.backend!.createSession(mGot, {});
    try {
      // Shifted inputs leave some relu units at z ≤ 0 on every row of the small batch.
      const X = Float32Array.from({ length: 3 * 4 }, (_, i) => Math.cos(i * 0.9) - 0.8);
      const y = Float32Array.of(0, 1, 1);
      sRef.step(X, y, 3, 0.1);
      sGot.step(X, y, 3, 0.1);
      for (const l of [0, 1]) {
        const D = spec.hidden[l]!;
        const want = new Uint8Array(D);
        const Z = sRef.preactivations(l, 3);
        for (let n = 0; n < 3; n++) for (let j = 0; j < D; j++) if (Z[n * D + j]! > 0) want[j] = 1;
        expect(want.some((a) => a === 0) && want.some((a) => a === 1), `layer ${l}: a mix of live and dead units`).toBe(true);
        const got = new Uint8Array(D);
        sGot.markAlive!(l, 3, got);
        expect([...got], `layer ${l}`).toEqual([...want]);
        got.fill(1);
        sGot.markAlive!(l, 3, got); // only ever sets
        expect(got.every((a) => a === 1)).toBe(true);
      }
    } finally {
      sGot.dispose();
      sRef.dispose();
    }
  });

  it.skipIf(!hasGxx)("holds device memory while a session lives and frees all of it on dispose", () => {
    const addon = emu!.addon as CudaAddon;
    const before = addon.memory().free;
    const s = emu!.backend!.createSession(new MlpModel(SPEC, 1), { momentum: 0.5 });
    const held = before - addon.memory().free;
    expect(held).toBeGreaterThan(0);
    const { X, y } = batch(1, 64, SPEC); // grows the activation buffers from 1 row to 64
    s.step(X, y, 64, 0.1);
    expect(before - addon.memory().free).toBeGreaterThan(held);
    s.dispose();
    s.dispose(); // idempotent
    expect(addon.memory().free).toBe(before);
    expect(() => s.step(X, y, 64, 0.1)).toThrow(/after dispose/);
  });

  it.skipIf(!hasGxx)("names the argument in its errors and refuses reads of a pass that did not happen", () => {
    const s = emu!.backend!.createSession(new MlpModel(SPEC, 1), {});
    try {
      expect(() => s.preactivations(0, 4)).toThrow(/no forward pass of 4 rows/);
      expect(() => s.step(new Float32Array(5), new Float32Array(1), 1, 0.1)).toThrow(/^X: needs at least 6 elements, got 5/);
      expect(() => s.step(new Float32Array(6), new Float64Array(1) as unknown as Float32Array, 1, 0.1)).toThrow(/^y: must be a Float32Array/);
      s.forward(new Float32Array(12), 2);
      expect(() => s.lossOfLastForward(new Float32Array(3), 3)).toThrow(/no forward pass of 3 rows/);
      expect(() => s.preactivations(3, 2)).toThrow(/l: no weight layer 3/);
      expect(() => emu!.backend!.kernels.linearForward(new Float32Array(2), new Float32Array(2), new Float32Array(1), new Float32Array(1), 2, 2, 1)).toThrow(
        /^A: needs at least 4 elements/,
      );
    } finally {
      s.dispose();
    }
  });

  it.skipIf(!hasGxx)("cross validation (with early stopping: pull each epoch, push the best weights) gives the TypeScript backend's results", async () => {
    const data = noisyXor(48);
    const folds = [0, 1, 2].map((f) => {
      const test = Int32Array.from({ length: 16 }, (_, i) => f * 16 + i);
      const train = Int32Array.from({ length: 48 }, (_, i) => i).filter((i) => i < f * 16 || i >= f * 16 + 16);
      return { train, test };
    });
    const spec: MlpSpec = { inputDim: 2, hidden: [8], activation: "tanh", task: "binary", outputDim: 1 };
    const train = { learningRate: 1, batchSize: 8, epochs: 25, momentum: 0.5, earlyStopping: { patience: 2, validationFraction: 0.25 } };
    const run = async (backend: Backend) => {
      const reports: EpochReport[] = [];
      const outcome = await crossValidate(data, folds, spec, train, { seed: 3, metric: "accuracy", surface: false, backend, onEpoch: (_f, r) => (reports.push(r), "continue") });
      return { ...outcome, reports };
    };
    const ref = await run(jsBackend);
    const got = await run(emu!.backend!);
    expect(got.backend).toBe("cuda");
    expect(got.status).toBe("completed");
    // Some fold stopped after its best epoch, so its final score is the restored weights'.
    expect(ref.folds.some((f) => f.bestEpoch! < f.epochs)).toBe(true);
    expect(got.folds.map((f) => f.score)).toEqual(ref.folds.map((f) => f.score));
    expect(got.folds.map((f) => f.bestEpoch)).toEqual(ref.folds.map((f) => f.bestEpoch));
    expectAllClose(
      got.folds.map((f) => f.loss),
      ref.folds.map((f) => f.loss),
      1e-3,
      "held-out loss per fold",
    );
    // The per-epoch diagnostics too: gradient norms from the session's Σg², weight norms from the pulled weights.
    expect(got.reports.length).toBe(ref.reports.length);
    expectAllClose(got.reports.flatMap((r) => [...r.diagnostics.gradNorms, ...r.diagnostics.weightNorms]), ref.reports.flatMap((r) => [...r.diagnostics.gradNorms, ...r.diagnostics.weightNorms]), 1e-3, "gradient and weight norms");
  }, 120_000);

  it.skipIf(!hasGxx)("cross validation of a relu network reports the TypeScript backend's dead-unit fractions (markAlive)", async () => {
    const data = noisyXor(48);
    const folds = [{ train: Int32Array.from({ length: 32 }, (_, i) => i + 16), test: Int32Array.from({ length: 16 }, (_, i) => i) }];
    // A big learning rate kills some relu units, so the fractions are not all 0.
    const spec: MlpSpec = { inputDim: 2, hidden: [16, 16], activation: "relu", task: "binary", outputDim: 1 };
    const train = { learningRate: 2, batchSize: 8, epochs: 6 };
    const dead = async (backend: Backend) => {
      const out: (number | null)[][] = [];
      await crossValidate(data, folds, spec, train, { seed: 5, metric: "accuracy", surface: false, backend, onEpoch: (_f, r) => (out.push(r.diagnostics.deadFraction), "continue") });
      return out;
    };
    const want = await dead(jsBackend);
    expect(want.flat().some((d) => d! > 0)).toBe(true);
    expect(await dead(emu!.backend!)).toEqual(want);
  }, 120_000);
});

describe("loadCuda", () => {
  it("never throws, is cached, and names the reason when there is no backend", () => {
    const a = loadCuda();
    expect(loadCuda()).toEqual(a);
    if (!a.backend) expect(a.reason).toMatch(/^(not built: .+|no CUDA device.*|the cuda addon failed to load: .+)$/);
    if (!hasGpu) expect(a.backend).toBeUndefined();
  });
});
