import { describe, expect, it } from "vitest";
import { mlpParamCount } from "./cv";
import { createMlp } from "./mlp";
import { NnConfigError, type Activation, type MlpSpec, type OutputUnit } from "./types";

describe("parameter layout of the new units", () => {
  it("maxout: W [Din, Dout·k], b [Dout·k]; prelu adds alpha{l} [Dout] initialised to 0.25", () => {
    const spec: MlpSpec = {
      inputDim: 3,
      hidden: [4, 2],
      activation: ["maxout", "prelu"],
      maxoutPieces: 3,
      task: "multiclass",
      outputDim: 3,
    };
    const m = createMlp(spec, { seed: 1 });
    expect(m.params.map((p) => [p.name, p.shape])).toEqual([
      ["W1", [3, 12]],
      ["b1", [12]],
      ["W2", [4, 2]],
      ["b2", [2]],
      ["alpha2", [2]],
      ["W3", [2, 3]],
      ["b3", [3]],
    ]);
    expect([...m.params[4]!.data]).toEqual([0.25, 0.25]);
    const count = 3 * 12 + 12 + 4 * 2 + 2 + 2 + 2 * 3 + 3;
    expect(m.paramCount).toBe(count);
    expect(mlpParamCount(spec)).toBe(count);
  });

  it("softmax_km1: the last layer has K − 1 columns, outputs stay K probabilities", () => {
    const spec: MlpSpec = { inputDim: 2, hidden: [3], activation: "relu", task: "multiclass", outputDim: 4, output: "softmax_km1" };
    const m = createMlp(spec, { seed: 1 });
    expect(m.params.at(-2)!.shape).toEqual([3, 3]);
    expect(m.paramCount).toBe(mlpParamCount(spec));
    expect(mlpParamCount(spec)).toBe(2 * 3 + 3 + 3 * 3 + 3);
    const out = m.forward(Float32Array.from([0.3, -0.7, 1.1, 0.2]), 2);
    expect(out).toHaveLength(8);
    for (let n = 0; n < 2; n++) expect(out[4 * n]! + out[4 * n + 1]! + out[4 * n + 2]! + out[4 * n + 3]!).toBeCloseTo(1, 6);
  });

  it("the default maxout has 2 pieces; mlpParamCount of the old units is unchanged", () => {
    const m = createMlp({ inputDim: 2, hidden: [5], activation: "maxout", task: "binary", outputDim: 1 }, { seed: 1 });
    expect(m.params[0]!.shape).toEqual([2, 10]);
    expect(mlpParamCount({ inputDim: 2, hidden: [12], activation: "relu", task: "binary", outputDim: 1 })).toBe(2 * 12 + 12 + 12 + 1);
  });
});

describe("hand-computed values through the model (float64)", () => {
  it("maxout routes the gradient to the winning piece only", () => {
    // 1 input, 1 maxout unit with k = 2 pieces (z₀ = 2x, z₁ = −x + 1), linear output a·1.
    const m = createMlp(
      { inputDim: 1, hidden: [1], activation: "maxout", task: "regression", outputDim: 1 },
      { seed: 1, dtype: "float64" },
    );
    m.setParams([
      { name: "W1", shape: [1, 2], data: [2, -1] },
      { name: "b1", shape: [2], data: [0, 1] },
      { name: "W2", shape: [1, 1], data: [1] },
      { name: "b2", shape: [1], data: [0] },
    ]);
    // x = 1: pieces (2, 0) → piece 0 wins, a = 2; x = −1: pieces (−2, 2) → piece 1 wins, a = 2
    expect([...m.forward(Float64Array.from([1, -1]), 2)]).toEqual([2, 2]);
    // One example x = 1, y = 0: loss = 2² = 4, δ(out) = 2·2 = 4, flows to piece 0 only.
    const one = m.lossAndGradients(Float64Array.from([1]), Float64Array.from([0]), 1);
    expect(one.loss).toBe(4);
    expect([...one.grads[0]!]).toEqual([4, 0]); // dW1 = x·δ on piece 0
    expect([...one.grads[1]!]).toEqual([4, 0]);
    // x = −1: piece 1 wins; dW1 = x·δ = −4 on piece 1
    const other = m.lossAndGradients(Float64Array.from([-1]), Float64Array.from([0]), 1);
    expect([...other.grads[0]!]).toEqual([0, -4]);
    expect([...other.grads[1]!]).toEqual([0, 4]);
  });

  it("maxout ties go to the lowest piece", () => {
    const m = createMlp(
      { inputDim: 1, hidden: [1], activation: "maxout", maxoutPieces: 3, task: "regression", outputDim: 1 },
      { seed: 1, dtype: "float64" },
    );
    m.setParams([
      { name: "W1", shape: [1, 3], data: [0, 1, 1] },
      { name: "b1", shape: [3], data: [0, 0, 0] },
      { name: "W2", shape: [1, 1], data: [1] },
      { name: "b2", shape: [1], data: [0] },
    ]);
    // x = 1: pieces (0, 1, 1), pieces 1 and 2 tie → piece 1 gets the gradient
    const { grads } = m.lossAndGradients(Float64Array.from([1]), Float64Array.from([0]), 1);
    expect([...grads[1]!]).toEqual([0, 2, 0]);
  });

  it("abs at negative z: a = |z| and the gradient flips sign", () => {
    const m = createMlp(
      { inputDim: 1, hidden: [1], activation: "abs", task: "regression", outputDim: 1 },
      { seed: 1, dtype: "float64" },
    );
    m.setParams([
      { name: "W1", shape: [1, 1], data: [1] },
      { name: "b1", shape: [1], data: [0] },
      { name: "W2", shape: [1, 1], data: [1] },
      { name: "b2", shape: [1], data: [0] },
    ]);
    // x = −3: z = −3, a = 3, prediction 3; y = 0 → loss 9, δ(out) = 6, δ(z) = 6·sign(−3) = −6
    const { loss, grads } = m.lossAndGradients(Float64Array.from([-3]), Float64Array.from([0]), 1);
    expect(loss).toBe(9);
    expect(grads[0]![0]).toBe(18); // x·δ(z) = (−3)(−6)
    expect(grads[1]![0]).toBe(-6);
    expect(grads[2]![0]).toBe(18); // a·δ(out)
  });

  it("PReLU: ∂C/∂α = z·δ where z < 0", () => {
    const m = createMlp(
      { inputDim: 1, hidden: [1], activation: "prelu", task: "regression", outputDim: 1 },
      { seed: 1, dtype: "float64" },
    );
    m.setParams([
      { name: "W1", shape: [1, 1], data: [1] },
      { name: "b1", shape: [1], data: [0] },
      { name: "alpha1", shape: [1], data: [0.25] },
      { name: "W2", shape: [1, 1], data: [2] },
      { name: "b2", shape: [1], data: [0] },
    ]);
    // x = −2: z = −2, a = −0.5, prediction −1; y = 1 → loss 4, δ(out) = −4, ∂C/∂a = −8
    const { loss, grads } = m.lossAndGradients(Float64Array.from([-2]), Float64Array.from([1]), 1);
    expect(loss).toBe(4);
    expect(grads[2]![0]).toBe(16); // z·∂C/∂a = (−2)(−8)
    expect(grads[0]![0]).toBe(4); // x·α·∂C/∂a = (−2)(0.25)(−8)
  });

  it("softmax_km1 probabilities: exp(z_j)/(Σ exp(z_i) + 1) with z_K = 0, summing to 1", () => {
    const m = createMlp(
      { inputDim: 1, hidden: [], activation: "relu", task: "multiclass", outputDim: 3, output: "softmax_km1" },
      { seed: 1, dtype: "float64" },
    );
    m.setParams([
      { name: "W1", shape: [1, 2], data: [Math.log(3), Math.log(2)] },
      { name: "b1", shape: [2], data: [0, 0] },
    ]);
    // x = 1: z = (ln 3, ln 2, 0) → (3, 2, 1)/6
    const p = m.forward(Float64Array.from([1]), 1);
    [3 / 6, 2 / 6, 1 / 6].forEach((e, j) => expect(p[j]).toBeCloseTo(e, 15));
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 15);
    // Label 2 (the fixed class): loss −log(1/6); δ = ρ̂ for the two free logits.
    const { loss, grads } = m.lossAndGradients(Float64Array.from([1]), Float64Array.from([2]), 1);
    expect(loss).toBeCloseTo(Math.log(6), 14);
    expect(grads[1]![0]).toBeCloseTo(0.5, 14);
    expect(grads[1]![1]).toBeCloseTo(1 / 3, 14);
  });
});

describe("float64 reference path", () => {
  it("computes in Float64Array and agrees with float32 on the same parameters", () => {
    const spec: MlpSpec = { inputDim: 2, hidden: [8, 8], activation: ["leaky_relu", "tanh"], task: "binary", outputDim: 1 };
    const m64 = createMlp(spec, { seed: 3, dtype: "float64" });
    const m32 = createMlp(spec, { seed: 3 });
    expect(m64.dtype).toBe("float64");
    expect(m32.dtype).toBe("float32");
    expect(m64.params[0]!.data).toBeInstanceOf(Float64Array);
    // Same seed, same draws: the float64 weights are the float32 ones before rounding.
    m64.params[0]!.data.forEach((w, i) => expect(Math.fround(w)).toBe(m32.params[0]!.data[i]));
    m64.setParams(m32.getParams());
    const X = Float32Array.from([0.5, -1, 2, 0.25]);
    const out64 = m64.forward(X, 2);
    expect(out64).toBeInstanceOf(Float64Array);
    const out32 = m32.forward(X, 2);
    out64.forEach((v, i) => expect(Math.abs(v - out32[i]!)).toBeLessThan(1e-6));
  });
});

describe("spec validation for units and outputs", () => {
  const base: MlpSpec = { inputDim: 2, hidden: [4, 3], activation: "relu", task: "binary", outputDim: 1 };
  const bad: [Partial<MlpSpec>, string][] = [
    [{ output: "softmax" }, "spec.output"], // binary + softmax
    [{ task: "regression", output: "sigmoid" }, "spec.output"],
    [{ task: "multiclass", outputDim: 3, output: "linear" }, "spec.output"],
    [{ task: "binary", output: "softmax_km1" }, "spec.output"],
    [{ output: "probit" as OutputUnit }, "spec.output"],
    [{ activation: ["relu"] }, "spec.activation"],
    [{ activation: ["relu", "swish" as Activation] }, "spec.activation[1]"],
    [{ leakyAlpha: 1.5 }, "spec.leakyAlpha"],
    [{ maxoutPieces: 1 }, "spec.maxoutPieces"],
    [{ maxoutPieces: 2.5 }, "spec.maxoutPieces"],
  ];
  it.each(bad)("%j → %s", (patch, field) => {
    expect(() => createMlp({ ...base, ...patch }, { seed: 1 })).toThrow(NnConfigError);
    expect(() => createMlp({ ...base, ...patch }, { seed: 1 })).toThrow(field);
  });

  it("accepts every consistent task/output pair", () => {
    const ok: [MlpSpec["task"], OutputUnit, number][] = [
      ["binary", "sigmoid", 1],
      ["multiclass", "softmax", 3],
      ["multiclass", "softmax_km1", 3],
      ["regression", "linear", 2],
    ];
    for (const [task, output, outputDim] of ok) {
      expect(createMlp({ ...base, task, output, outputDim }, { seed: 1 }).spec.output).toBe(output);
    }
  });
});

describe("initialization", () => {
  const std = (xs: Float32Array) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0) / xs.length);
  const Din = 256;
  const spec = (activation: Activation): MlpSpec => ({ inputDim: Din, hidden: [256], activation, task: "regression", outputDim: 4 });

  it.each(["relu", "leaky_relu", "prelu", "abs", "maxout"] as Activation[])("auto: He for %s", (act) => {
    expect(std(createMlp(spec(act), { seed: 2 }).params[0]!.data)).toBeCloseTo(Math.sqrt(2 / Din), 2);
  });

  it("explicit he / glorot apply to every layer, output included; the draws are seeded", () => {
    const he = createMlp(spec("tanh"), { seed: 2, init: "he" });
    expect(std(he.params[0]!.data)).toBeCloseTo(Math.sqrt(2 / Din), 2);
    expect(std(he.params[2]!.data)).toBeCloseTo(Math.sqrt(2 / 256), 2);
    const glorot = createMlp(spec("relu"), { seed: 2, init: "glorot" });
    expect(Math.max(...glorot.params[0]!.data.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (Din + 256)));
    expect(createMlp(spec("relu"), { seed: 2, init: "glorot" }).getParams()).toEqual(glorot.getParams());
    expect(() => createMlp(spec("relu"), { seed: 2, init: "lecun" as "he" })).toThrow("init");
  });
});
