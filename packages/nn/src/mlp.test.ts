import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { createMlp } from "./mlp";
import { NnConfigError, type Activation, type MlpSpec, type ParamSnapshot, type Task } from "./types";

const ACTS: Activation[] = ["relu", "sigmoid", "tanh"];
const TASKS: Task[] = ["binary", "multiclass", "regression"];

/** Float64 reference forward pass; returns every layer's pre-activations (last = logits). */
function referenceForward(spec: MlpSpec, params: ParamSnapshot[], X: Float32Array, B: number): number[][] {
  const dims = [spec.inputDim, ...spec.hidden, spec.outputDim];
  const act = (z: number) =>
    spec.activation === "relu" ? Math.max(0, z) : spec.activation === "tanh" ? Math.tanh(z) : 1 / (1 + Math.exp(-z));
  let a = Array.from(X);
  const zs: number[][] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const [Din, Dout] = [dims[l]!, dims[l + 1]!];
    const W = params[2 * l]!.data;
    const b = params[2 * l + 1]!.data;
    const z = new Array<number>(B * Dout).fill(0);
    for (let n = 0; n < B; n++)
      for (let j = 0; j < Dout; j++) {
        let s = b[j]!;
        for (let k = 0; k < Din; k++) s += a[n * Din + k]! * W[k * Dout + j]!;
        z[n * Dout + j] = s;
      }
    zs.push(z);
    a = z.map(act);
  }
  return zs;
}

function makeBatch(spec: MlpSpec, B: number, seed: number): { X: Float32Array; y: Float32Array } {
  const rng = createRng(seed);
  const X = Float32Array.from({ length: B * spec.inputDim }, () => rng.normal());
  const yLen = spec.task === "regression" ? B * spec.outputDim : B;
  const y = Float32Array.from({ length: yLen }, () =>
    spec.task === "regression" ? rng.normal() : rng.int(spec.task === "binary" ? 2 : spec.outputDim),
  );
  return { X, y };
}

describe("createMlp", () => {
  const spec: MlpSpec = { inputDim: 3, hidden: [5, 4], activation: "relu", task: "multiclass", outputDim: 3 };

  it("lays out params as W[Din,Dout], b[Dout] per layer with a correct paramCount", () => {
    const m = createMlp(spec, { seed: 1 });
    expect(m.params.map((p) => [p.name, p.shape])).toEqual([
      ["W1", [3, 5]],
      ["b1", [5]],
      ["W2", [5, 4]],
      ["b2", [4]],
      ["W3", [4, 3]],
      ["b3", [3]],
    ]);
    expect(m.paramCount).toBe(3 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3);
    for (const p of m.params.filter((q) => q.name.startsWith("b"))) expect([...p.data].every((v) => v === 0)).toBe(true);
  });

  it("same seed → same params; different seed → different", () => {
    const a = createMlp(spec, { seed: 7 }).getParams();
    expect(createMlp(spec, { seed: 7 }).getParams()).toEqual(a);
    expect(createMlp(spec, { seed: 8 }).getParams()[0]!.data).not.toEqual(a[0]!.data);
  });

  it("He init for ReLU hidden layers, Glorot for sigmoid/tanh and the output layer", () => {
    const Din = 256;
    const Dout = 256;
    const std = (xs: Float32Array) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
    const relu = createMlp({ inputDim: Din, hidden: [Dout], activation: "relu", task: "regression", outputDim: 4 }, { seed: 1 });
    expect(std(relu.params[0]!.data)).toBeCloseTo(Math.sqrt(2 / Din), 2);
    const tanh = createMlp({ inputDim: Din, hidden: [Dout], activation: "tanh", task: "regression", outputDim: 4 }, { seed: 1 });
    const limit = Math.sqrt(6 / (Din + Dout));
    expect(Math.max(...tanh.params[0]!.data.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(std(tanh.params[0]!.data)).toBeCloseTo(limit / Math.sqrt(3), 2);
    const outLimit = Math.sqrt(6 / (Dout + 4));
    expect(Math.max(...relu.params[2]!.data.map(Math.abs))).toBeLessThanOrEqual(outLimit);
  });

  it("rejects bad specs, naming the field", () => {
    const bad: [Partial<MlpSpec>, string][] = [
      [{ inputDim: 0 }, "spec.inputDim"],
      [{ hidden: [4, 0] }, "spec.hidden[1]"],
      [{ activation: "gelu" as Activation }, "spec.activation"],
      [{ task: "ranking" as Task }, "spec.task"],
      [{ outputDim: 1 }, "spec.outputDim"], // multiclass needs K ≥ 2
    ];
    for (const [patch, field] of bad) {
      expect(() => createMlp({ ...spec, ...patch }, { seed: 1 })).toThrow(NnConfigError);
      expect(() => createMlp({ ...spec, ...patch }, { seed: 1 })).toThrow(field);
    }
    expect(() => createMlp({ ...spec, task: "binary", outputDim: 2 }, { seed: 1 })).toThrow("spec.outputDim");
  });
});

describe("forward", () => {
  it.each(ACTS)("%s: matches a float64 reference for every output unit", (activation) => {
    for (const task of TASKS) {
      const spec: MlpSpec = { inputDim: 3, hidden: [6, 5], activation, task, outputDim: task === "multiclass" ? 4 : 1 };
      const m = createMlp(spec, { seed: 3 });
      const { X } = makeBatch(spec, 7, 4);
      const out = m.forward(X, 7);
      const logits = referenceForward(spec, m.getParams(), X, 7).at(-1)!;
      expect(out.length).toBe(7 * spec.outputDim);
      const K = spec.outputDim;
      for (let n = 0; n < 7; n++) {
        const row = logits.slice(n * K, n * K + K);
        const expected =
          task === "binary"
            ? [1 / (1 + Math.exp(-row[0]!))]
            : task === "multiclass"
              ? row.map((z) => Math.exp(z) / row.reduce((s, v) => s + Math.exp(v), 0))
              : row;
        expected.forEach((e, j) => expect(Math.abs(out[n * K + j]! - e)).toBeLessThan(1e-5 * Math.max(1, Math.abs(e))));
      }
    }
  });

  it("returns a fresh array and checks the input length", () => {
    const m = createMlp({ inputDim: 2, hidden: [3], activation: "tanh", task: "regression", outputDim: 1 }, { seed: 1 });
    const a = m.forward(new Float32Array([1, 2]), 1);
    const b = m.forward(new Float32Array([3, 4]), 1);
    expect(a[0]).not.toBe(b[0]);
    expect(() => m.forward(new Float32Array(3), 1)).toThrow(/X: expected length/);
  });
});

describe("loss against hand-computed examples (one linear layer, W = [0.5, −1], b = 0.25)", () => {
  // X rows (1, 2) and (−1, 0) → z = (−1.25, −0.25)
  const X = Float32Array.from([1, 2, -1, 0]);
  const base = { inputDim: 2, hidden: [] as number[], activation: "relu" as const, outputDim: 1 };
  const setLinear = (m: ReturnType<typeof createMlp>) =>
    m.setParams([
      { name: "W1", shape: [2, 1], data: [0.5, -1] },
      { name: "b1", shape: [1], data: [0.25] },
    ]);

  it("binary: mean of ζ((1 − 2y) z); δ = σ(z) − y", () => {
    const m = createMlp({ ...base, task: "binary" }, { seed: 1 });
    setLinear(m);
    const { loss, grads } = m.lossAndGradients(X, Float32Array.from([1, 0]), 2);
    // (log(1 + e^1.25) + log(1 + e^−0.25)) / 2
    expect(loss).toBeCloseTo(1.0389342506121082, 6);
    expect(grads[0]![0]).toBeCloseTo(-0.6075616801444466, 6);
    expect(grads[0]![1]).toBeCloseTo(-0.7772998611746912, 6);
    expect(grads[1]![0]).toBeCloseTo(-0.16973818103024463, 6);
  });

  it("regression: mean of ‖y − z‖²; δ = 2(z − y)", () => {
    const m = createMlp({ ...base, task: "regression" }, { seed: 1 });
    setLinear(m);
    // residuals z − y = (−1.25 − 0, −0.25 − 1) = (−1.25, −1.25)
    const { loss, grads } = m.lossAndGradients(X, Float32Array.from([0, 1]), 2);
    expect(loss).toBe(1.5625);
    // δ = 2r/B = (−1.25, −1.25): dW = Xᵀδ = (0, −2.5), db = −2.5
    expect([...grads[0]!]).toEqual([0, -2.5]);
    expect([...grads[1]!]).toEqual([-2.5]);
  });

  it("multiclass: logΣexp(z) − z_y; δ = p − onehot(y)", () => {
    const m = createMlp({ inputDim: 2, hidden: [], activation: "relu", task: "multiclass", outputDim: 3 }, { seed: 1 });
    m.setParams([
      { name: "W1", shape: [2, 3], data: [1, 0, -1, 0, 1, 0] },
      { name: "b1", shape: [3], data: [0, 0, 0.5] },
    ]);
    // x = (1, 2) → z = (1, 2, −0.5), y = 2
    const { loss, grads } = m.lossAndGradients(Float32Array.from([1, 2]), Float32Array.from([2]), 1);
    expect(loss).toBeCloseTo(2.871539031852683, 6);
    const p = [0.2537161816350252, 0.6896720861245035, 0.05661173224047128];
    const delta = [p[0]!, p[1]!, p[2]! - 1];
    delta.forEach((dj, j) => {
      expect(grads[0]![j]).toBeCloseTo(dj, 6); // row x₁ = 1
      expect(grads[0]![3 + j]).toBeCloseTo(2 * dj, 6); // row x₂ = 2
      expect(grads[1]![j]).toBeCloseTo(dj, 6);
    });
  });
});

describe("stable output units through the model", () => {
  const identity = (task: Task, K: number, w: number[]) => {
    const m = createMlp({ inputDim: 1, hidden: [], activation: "relu", task, outputDim: K }, { seed: 1 });
    m.setParams([
      { name: "W1", shape: [1, K], data: w },
      { name: "b1", shape: [K], data: new Array<number>(K).fill(0) },
    ]);
    return m;
  };

  it("binary with z = ±100: loss finite and correct, gradients finite", () => {
    const m = identity("binary", 1, [1]);
    const X = Float32Array.from([100, -100]);
    const wrong = m.lossAndGradients(X, Float32Array.from([0, 1]), 2);
    expect(wrong.loss).toBeCloseTo(100, 10);
    // δ = (1 − 0, 0 − 1)/2 → dW = (100·½ + (−100)(−½)) = 100
    expect(wrong.grads[0]![0]).toBeCloseTo(100, 4);
    const right = m.lossAndGradients(X, Float32Array.from([1, 0]), 2);
    expect(right.loss).toBeGreaterThanOrEqual(0);
    expect(right.loss).toBeLessThan(1e-40);
    expect(right.grads.every((g) => g.every(Number.isFinite))).toBe(true);
    const out = m.forward(X, 2);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeLessThan(1e-40); // σ(−100) ≈ 3.7e−44, a float32 denormal
  });

  it("multiclass with logits (1000, 0, −1000): loss finite and correct, probabilities sum to 1", () => {
    const m = identity("multiclass", 3, [1000, 0, -1000]);
    const X = Float32Array.from([1]);
    expect(m.lossAndGradients(X, Float32Array.from([0]), 1).loss).toBe(0);
    expect(m.lossAndGradients(X, Float32Array.from([1]), 1).loss).toBeCloseTo(1000, 6);
    const worst = m.lossAndGradients(X, Float32Array.from([2]), 1);
    expect(worst.loss).toBeCloseTo(2000, 6);
    expect([...worst.grads[0]!]).toEqual([1, 0, -1]);
    expect([...m.forward(X, 1)]).toEqual([1, 0, 0]);
  });

  it("rejects labels outside the task's range", () => {
    const m = identity("multiclass", 3, [1, 2, 3]);
    expect(() => m.lossAndGradients(Float32Array.from([1]), Float32Array.from([3]), 1)).toThrow(/y\[0\]/);
    const b = identity("binary", 1, [1]);
    expect(() => b.lossAndGradients(Float32Array.from([1]), Float32Array.from([0.5]), 1)).toThrow(/0 or 1/);
  });
});

describe("gradient check: every parameter, central differences", () => {
  // eps = 1e-3 on float32 parameters; the numerical derivative divides by the perturbation
  // actually stored (float32-rounded). Tolerance: |analytic − numeric| ≤ 2e-4 + 2e-3·max(|a|, |n|)
  // (observed worst: under a seventh of that).
  const EPS = 1e-3;
  const tol = (a: number, n: number) => 2e-4 + 2e-3 * Math.max(Math.abs(a), Math.abs(n));
  const B = 6;

  const cases = ACTS.flatMap((activation) =>
    TASKS.map((task) => ({ activation, task, outputDim: task === "multiclass" ? 3 : 1 })),
  );
  cases.push({ activation: "tanh", task: "regression", outputDim: 2 });

  it.each(cases)("$activation hidden × $task output (outputDim $outputDim), depth 2", ({ activation, task, outputDim }) => {
    const spec: MlpSpec = { inputDim: 4, hidden: [5, 4], activation, task, outputDim };
    const m = createMlp(spec, { seed: 11 });
    // Keep every hidden pre-activation ≥ 0.02 from ReLU's kink, far beyond what a 1e-3 nudge moves it.
    let batch = makeBatch(spec, B, 0);
    for (let s = 1; s < 1000; s++) {
      const zs = referenceForward(spec, m.getParams(), batch.X, B).slice(0, -1);
      if (zs.every((z) => z.every((v) => Math.abs(v) >= 0.02))) break;
      batch = makeBatch(spec, B, s);
    }
    const { X, y } = batch;
    const { grads } = m.lossAndGradients(X, y, B);
    let checked = 0;
    m.params.forEach((p, pi) => {
      let largest = 0;
      for (let i = 0; i < p.data.length; i++) {
        const orig = p.data[i]!;
        p.data[i] = orig + EPS;
        const hPlus = p.data[i]!;
        const lPlus = m.lossAndGradients(X, y, B).loss;
        p.data[i] = orig - EPS;
        const hMinus = p.data[i]!;
        const lMinus = m.lossAndGradients(X, y, B).loss;
        p.data[i] = orig;
        const numeric = (lPlus - lMinus) / (hPlus - hMinus);
        const analytic = grads[pi]![i]!;
        if (Math.abs(analytic - numeric) > tol(analytic, numeric)) {
          throw new Error(`${p.name}[${i}]: analytic ${analytic} vs numeric ${numeric}`);
        }
        largest = Math.max(largest, Math.abs(analytic));
        checked++;
      }
      // The check is vacuous if a tensor's gradient is all ~0.
      expect(largest, `${p.name} has a non-trivial gradient`).toBeGreaterThan(2e-3);
    });
    expect(checked).toBe(m.paramCount);
  });
});

describe("getParams / setParams", () => {
  const spec: MlpSpec = { inputDim: 3, hidden: [4, 4], activation: "sigmoid", task: "binary", outputDim: 1 };

  it("round-trips through JSON to identical outputs", () => {
    const a = createMlp(spec, { seed: 1 });
    const b = createMlp(spec, { seed: 2 });
    const X = Float32Array.from([0.1, -0.2, 0.3, 1, 2, 3]);
    expect([...b.forward(X, 2)]).not.toEqual([...a.forward(X, 2)]);
    b.setParams(JSON.parse(JSON.stringify(a.getParams())) as ParamSnapshot[]);
    expect(b.getParams()).toEqual(a.getParams());
    expect([...b.forward(X, 2)]).toEqual([...a.forward(X, 2)]);
  });

  it("getParams returns copies", () => {
    const a = createMlp(spec, { seed: 1 });
    const snap = a.getParams();
    snap[0]!.data[0] = 123;
    expect(a.params[0]!.data[0]).not.toBe(123);
  });

  it("rejects mismatched snapshots without changing the model", () => {
    const a = createMlp(spec, { seed: 1 });
    const before = a.getParams();
    const wrongShape = before.map((p) => ({ ...p }));
    wrongShape[2] = { name: "W2", shape: [4, 5], data: new Array<number>(20).fill(0) };
    expect(() => a.setParams(wrongShape)).toThrow(/params\[2\]/);
    const shortData = before.map((p) => ({ ...p, data: [...p.data] }));
    shortData[0]!.data[0] = 42;
    shortData[5] = { ...shortData[5]!, data: [] };
    expect(() => a.setParams(shortData)).toThrow(/params\[5\]\.data/);
    expect(() => a.setParams(before.slice(1))).toThrow(/expected 6 tensors/);
    expect(a.getParams()).toEqual(before);
  });
});
