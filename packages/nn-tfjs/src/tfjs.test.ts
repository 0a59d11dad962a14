// The tfjs backend on tfjs' pure-JS CPU engine (tfjs-node cannot install here): the shared
// conformance suite (every kernel and whole training steps against the TypeScript reference),
// plus what is particular to this package: engine loading, refusals, and cross validation
// giving the TypeScript backend's results.

import { describe, expect, it } from "vitest";
import { crossValidate, jsBackend, MlpModel, selectBackend, NnConfigError, type CvData, type MlpSpec } from "@automl/nn";
import { describeBackendConformance, expectAllClose } from "@automl/nn/testing";
import { loadTfjsBackend, tfjsUnsupported } from "./index";

const { backend, engine } = await loadTfjsBackend({ engines: ["cpu"] });

describeBackendConformance("tfjs", backend);

const XOR_SPEC: MlpSpec = { inputDim: 2, hidden: [8], activation: "relu", task: "binary", outputDim: 1 };

/** Noisy XOR: four clusters, labels by quadrant (deterministic jitter, no RNG needed). */
function xorData(n: number, seed: number): CvData {
  const jitter = (k: number) => 0.1 * Math.sin(k * 12.9898 + seed * 78.233);
  const X = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = i % 2;
    const b = (i >> 1) % 2;
    X[2 * i] = a + jitter(2 * i);
    X[2 * i + 1] = b + jitter(2 * i + 1);
    y[i] = a ^ b;
  }
  return { X, y, n, d: 2 };
}

describe("the tfjs backend", () => {
  it("runs on the engine it was asked for and names it", () => {
    expect(engine).toBe("cpu");
    expect(backend.name).toBe("tfjs");
  });

  it("prefers tfjs-node-gpu, then tfjs-node, and says why each was skipped", async () => {
    const r = await loadTfjsBackend();
    expect(["tensorflow-gpu", "tensorflow", "cpu"]).toContain(r.engine);
    if (r.engine === "cpu") {
      expect(r.skipped).toHaveLength(2);
      expect(r.skipped[0]).toMatch(/^@tensorflow\/tfjs-node-gpu: /);
      expect(r.skipped[1]).toMatch(/^@tensorflow\/tfjs-node: /);
    }
    await loadTfjsBackend({ engines: ["cpu"] }); // back to the engine the other tests use
  });

  it("trains float32 only: float64 is refused with the reason, and selectBackend names the field", () => {
    expect(tfjsUnsupported(XOR_SPEC, "float32")).toBeNull();
    expect(tfjsUnsupported(XOR_SPEC, "float64")).toMatch(/float32 only/);
    expect(() => selectBackend("tfjs", { spec: XOR_SPEC, batchSize: 4, dtype: "float64" }, { backends: [backend] })).toThrow(
      NnConfigError,
    );
    expect(() => selectBackend("tfjs", { spec: XOR_SPEC, batchSize: 4, dtype: "float64" }, { backends: [backend] })).toThrow(
      /backend: tfjs cannot train this network: .*float32 only/,
    );
  });

  it("a session refuses use after dispose()", () => {
    const s = backend.createSession(new MlpModel(XOR_SPEC, 1), {});
    s.dispose();
    s.dispose(); // idempotent
    expect(() => s.step(new Float32Array(2), new Float32Array(1), 1, 0.1)).toThrow(/after dispose/);
  });

  it("holds no tfjs tensors beyond a session's own after many steps (no leak per step)", async () => {
    const tf = await import("@tensorflow/tfjs-core");
    const model = new MlpModel({ ...XOR_SPEC, activation: "maxout" }, 1);
    const s = backend.createSession(model, { momentum: 0.9, clipNorm: 1 });
    const X = Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1);
    const y = Float32Array.of(0, 1, 1, 0);
    s.step(X, y, 4, 0.1);
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) s.step(X, y, 4, 0.1);
    s.forward(X, 4);
    s.lossOfLastForward(y, 4);
    s.preactivations(0, 4);
    expect(tf.memory().numTensors).toBe(after1);
    const before = tf.memory().numTensors;
    s.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it("cross validation on XOR gives the TypeScript backend's fold scores and losses", async () => {
    const data = xorData(80, 5);
    const folds = [0, 1, 2, 3].map((f) => {
      const test = Int32Array.from({ length: 20 }, (_, i) => f * 20 + i);
      const train = Int32Array.from({ length: 80 }, (_, i) => i).filter((i) => i < f * 20 || i >= f * 20 + 20);
      return { train, test };
    });
    const train = { learningRate: 0.3, batchSize: 8, epochs: 30, momentum: 0.5 };
    const opts = { seed: 3, metric: "accuracy" as const, surface: false };
    const ref = await crossValidate(data, folds, XOR_SPEC, train, { ...opts, backend: jsBackend });
    const got = await crossValidate(data, folds, XOR_SPEC, train, { ...opts, backend });
    expect(got.status).toBe("completed");
    expect(got.backend).toBe("tfjs");
    expect(ref.mean).toBeGreaterThan(0.9); // it learned XOR, so the comparison means something
    expect(got.folds.map((f) => f.score)).toEqual(ref.folds.map((f) => f.score));
    expectAllClose(
      got.folds.map((f) => f.loss),
      ref.folds.map((f) => f.loss),
      1e-3,
      "held-out loss per fold",
    );
  });
});
