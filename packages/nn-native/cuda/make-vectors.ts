// Writes the CUDA check's test vectors: seeded random inputs run through the TypeScript
// REFERENCE kernels (@automl/nn) and, for whole training steps, the js backend's session.
// The GPU machine has no Node, so the output (vectors.bin, ~20 KB) is checked into git;
// test/cuda-build.test.ts regenerates it and asserts it is byte-identical, so it cannot go stale.
// Usage: npx tsx packages/nn-native/cuda/make-vectors.ts [out.bin]   (default: cuda/vectors.bin)
//
// Format (little-endian): "NNCUDAV1", u32 cases; per case: str name, u32 tensors; per tensor:
// str name, u32 type (0 f32, 1 i32), u32 length, data. str = u32 length + UTF-8 bytes.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  activationBackward,
  activationForward,
  jsBackend,
  linearBackward,
  linearForward,
  maxoutBackward,
  maxoutForward,
  MlpModel,
  OUTPUT_UNITS,
  preluBackward,
  preluForward,
  sgdUpdateTensor,
  type Activation,
  type ElementwiseActivation,
  type MlpSpec,
  type OutputUnit,
} from "@automl/nn";
// The output units are not exported one by one; the js backend's kernels are the reference ones.
const { outputForward, outputLossAndDelta } = jsBackend.kernels;

type Tensor = { name: string; data: Float32Array | Int32Array };
type Case = { name: string; tensors: Tensor[] };

// mulberry32: small, seeded, the same on every machine.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261129);
const uniform = (n: number, lo = -1, hi = 1) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
const labels = (n: number, k: number) => Float32Array.from({ length: n }, () => Math.floor(rand() * k));
const f = (name: string, data: Float32Array | number[]): Tensor => ({ name, data: Float32Array.from(data) });
const i = (name: string, data: Int32Array | number[]): Tensor => ({ name, data: Int32Array.from(data) });

// Activation ids as in kernels.cuh (the order of ACTIVATIONS).
const ACT_IDS: Record<Activation, number> = { relu: 0, leaky_relu: 1, abs: 2, prelu: 3, maxout: 4, sigmoid: 5, tanh: 6 };
const ELEMENTWISE: ElementwiseActivation[] = ["relu", "leaky_relu", "abs", "sigmoid", "tanh"];

const cases: Case[] = [];

{
  const [B, Din, Dout] = [5, 7, 6];
  const A = uniform(B * Din);
  const W = uniform(Din * Dout);
  const b = uniform(Dout);
  const dZ = uniform(B * Dout);
  const Z = new Float32Array(B * Dout);
  linearForward(A, W, b, Z, B, Din, Dout);
  const dA = new Float32Array(B * Din);
  const dW = new Float32Array(Din * Dout);
  const db = new Float32Array(Dout);
  linearBackward(A, W, dZ, dA, dW, db, B, Din, Dout);
  cases.push({ name: "linear", tensors: [i("dims", [B, Din, Dout]), f("A", A), f("W", W), f("b", b), f("dZ", dZ), f("Z", Z), f("dA", dA), f("dW", dW), f("db", db)] });
}

for (const act of ELEMENTWISE) {
  const len = 40;
  const alpha = 0.1;
  const Z = uniform(len, -3, 3);
  const dA = uniform(len);
  const A = new Float32Array(len);
  const dZ = new Float32Array(len);
  activationForward(act, Z, A, len, alpha);
  activationBackward(act, Z, A, dA, dZ, len, alpha);
  cases.push({ name: `act_${act}`, tensors: [i("act", [ACT_IDS[act]]), f("alpha", [alpha]), f("Z", Z), f("dA_in", dA), f("A", A), f("dZ", dZ)] });
}

{
  const [B, D] = [4, 6];
  const Z = uniform(B * D, -2, 2);
  const alpha = uniform(D, 0, 0.5);
  const dA = uniform(B * D);
  const A = new Float32Array(B * D);
  const dZ = new Float32Array(B * D);
  const dAlpha = new Float32Array(D);
  preluForward(Z, alpha, A, B, D);
  preluBackward(Z, alpha, dA, dZ, dAlpha, B, D);
  cases.push({ name: "prelu", tensors: [i("dims", [B, D]), f("Z", Z), f("alpha", alpha), f("dA_in", dA), f("A", A), f("dZ", dZ), f("dAlpha", dAlpha)] });
}

{
  const [B, D, k] = [4, 5, 3];
  const Z = uniform(B * D * k, -2, 2);
  const dA = uniform(B * D);
  const A = new Float32Array(B * D);
  const winners = new Int32Array(B * D);
  const dZ = new Float32Array(B * D * k);
  maxoutForward(Z, A, winners, B, D, k);
  maxoutBackward(winners, dA, dZ, B, D, k);
  cases.push({ name: "maxout", tensors: [i("dims", [B, D, k]), f("Z", Z), f("dA_in", dA), f("A", A), i("winners", winners), f("dZ", dZ)] });
}

for (const unit of OUTPUT_UNITS) {
  const B = 6;
  const outputDim = unit === "sigmoid" ? 1 : unit === "linear" ? 3 : 4;
  const width = unit === "softmax_km1" ? outputDim - 1 : outputDim;
  const Z = uniform(B * width, -3, 3);
  const y = unit === "linear" ? uniform(B * outputDim) : labels(B, unit === "sigmoid" ? 2 : outputDim);
  const out = new Float32Array(B * outputDim);
  const dZ = new Float32Array(B * width);
  outputForward(unit, Z, out, B, outputDim);
  const loss = outputLossAndDelta(unit, Z, y, dZ, B, outputDim);
  cases.push({
    name: `output_${unit}`,
    tensors: [i("dims", [OUTPUT_UNITS.indexOf(unit), B, outputDim]), f("Z", Z), f("y", y), f("out", out), f("loss", [loss]), f("dZ", dZ)],
  });
}

for (const [name, mu, lambda, scale] of [
  ["sgd_plain", 0, 0, 1],
  ["sgd_momentum_decay_scale", 0.9, 0.01, 0.5],
] as const) {
  const n = 37;
  const w = uniform(n);
  const g = uniform(n);
  const v = mu > 0 ? uniform(n, -0.1, 0.1) : null;
  const w0 = w.slice();
  const v0 = v ? v.slice() : new Float32Array(0);
  const sq = sgdUpdateTensor(w, g, v, 0.05, mu, lambda, scale);
  cases.push({
    name,
    tensors: [f("hyper", [0.05, mu, lambda, scale]), f("w_in", w0), f("g", g), f("v_in", v0), f("w", w), f("v", v ?? new Float32Array(0)), f("sq", [sq])],
  });
}

// Whole training steps through the js backend's session (the engine every backend must match).
const NETS: { name: string; spec: MlpSpec; B: number; momentum: number; weightDecay: number; clipNorm?: number }[] = [
  { name: "step_relu_softmax_momentum", spec: { inputDim: 6, hidden: [8, 7], activation: "relu", task: "multiclass", outputDim: 5 }, B: 9, momentum: 0.9, weightDecay: 1e-3 },
  { name: "step_prelu_maxout_sigmoid", spec: { inputDim: 5, hidden: [6, 4], activation: ["prelu", "maxout"], task: "binary", outputDim: 1, maxoutPieces: 3 }, B: 8, momentum: 0.5, weightDecay: 0 },
  { name: "step_tanh_leaky_linear", spec: { inputDim: 4, hidden: [5, 5], activation: ["tanh", "leaky_relu"], task: "regression", outputDim: 3, leakyAlpha: 0.05 }, B: 7, momentum: 0, weightDecay: 1e-2 },
  { name: "step_sigmoid_abs_km1", spec: { inputDim: 5, hidden: [6, 6], activation: ["sigmoid", "abs"], task: "multiclass", outputDim: 4, output: "softmax_km1" }, B: 8, momentum: 0.9, weightDecay: 0 },
  // Clipping: the global gradient norm (≈ 1–3 here) is cut to 0.3 on every step.
  { name: "step_relu_softmax_clip", spec: { inputDim: 6, hidden: [8], activation: "relu", task: "multiclass", outputDim: 3 }, B: 10, momentum: 0.5, weightDecay: 0, clipNorm: 0.3 },
];
const STEPS = 4;
const LR = 0.1;
for (const net of NETS) {
  const { spec, B } = net;
  const model = new MlpModel(spec, 7);
  const initial = model.params.map((p) => f(`param${model.params.indexOf(p)}`, p.data.slice()));
  // clipNorm only when set: the js optimizer takes 0 literally (clip to zero); the hyper row below writes 0 for "none".
  const clip = net.clipNorm !== undefined ? { clipNorm: net.clipNorm } : {};
  const session = jsBackend.createSession(model, { momentum: net.momentum, weightDecay: net.weightDecay, ...clip });
  const acts = typeof spec.activation === "string" ? spec.hidden.map(() => spec.activation as Activation) : [...spec.activation];
  const unit: OutputUnit = spec.output ?? (spec.task === "binary" ? "sigmoid" : spec.task === "regression" ? "linear" : "softmax");
  const batches: Tensor[] = [];
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const X = uniform(B * spec.inputDim);
    const y = unit === "linear" ? uniform(B * spec.outputDim) : labels(B, unit === "sigmoid" ? 2 : spec.outputDim);
    batches.push(f(`X${s}`, X), f(`y${s}`, y));
    losses.push(session.step(X, y, B, LR));
  }
  const sq = f("sq", Array.from(session.sqNorms)); // Σg² per tensor at the last step
  // After training: a forward pass of fresh rows (outputs, its cost, the first layer's Z).
  const Xe = uniform(B * spec.inputDim);
  const ye = unit === "linear" ? uniform(B * spec.outputDim) : labels(B, unit === "sigmoid" ? 2 : spec.outputDim);
  const out = f("out", session.forward(Xe, B));
  const evalLoss = f("evalLoss", [session.lossOfLastForward(ye, B)]);
  const z0 = f("Z0", session.preactivations(0, B));
  session.dispose();
  cases.push({
    name: net.name,
    tensors: [
      i("dims", [spec.inputDim, OUTPUT_UNITS.indexOf(unit), spec.outputDim, spec.hidden.length, STEPS, B, model.params.length]),
      i("hidden", spec.hidden.flatMap((units, l) => [units, ACT_IDS[acts[l]!], spec.maxoutPieces ?? 2])),
      f("hyper", [LR, net.momentum, net.weightDecay, spec.leakyAlpha ?? 0.01, net.clipNorm ?? 0]),
      ...initial,
      ...batches,
      f("loss", losses),
      ...model.params.map((p, k) => f(`want${k}`, p.data)),
      sq,
      f("Xe", Xe),
      f("ye", ye),
      out,
      evalLoss,
      z0,
    ],
  });
}

function encode(all: Case[]): Buffer {
  const parts: Buffer[] = [Buffer.from("NNCUDAV1", "latin1")];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    parts.push(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, "utf8");
    u32(b.length);
    parts.push(b);
  };
  u32(all.length);
  for (const c of all) {
    str(c.name);
    u32(c.tensors.length);
    for (const t of c.tensors) {
      str(t.name);
      u32(t.data instanceof Int32Array ? 1 : 0);
      u32(t.data.length);
      parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  return Buffer.concat(parts);
}

const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "vectors.bin");
const bytes = encode(cases);
writeFileSync(out, bytes);
console.log(JSON.stringify({ wrote: out, cases: cases.length, bytes: bytes.length }));
