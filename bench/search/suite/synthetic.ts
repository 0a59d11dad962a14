// Synthetic conditional objectives of the search suite, over the study-space language. Each is
// exp(-penalty) with penalty a sum of non-negative terms that are all zero at one configuration
// of the space (named `argmax` below), so the optimum is exactly 1 by construction; the finite
// one is also brute-forced in synthetic.test.ts. They model what makes MLP tuning hard for a
// sampler: a learning rate whose best value moves with momentum and batch size, saturating units
// that hurt more the deeper they sit, per-layer widths that only exist for deep enough nets, a
// bottleneck pattern across layers, mostly categorical spaces, noise, and a rugged landscape.
import { createRng } from "@automl/common";
import { parseSpace, type Params } from "@automl/search";
import type { SuiteObjective } from "./objective";

const log2 = Math.log2;
const log10 = Math.log10;
const SATURATING = new Set(["sigmoid", "tanh"]);

/** A noise-free objective: the penalty, the space and the configuration where it is zero. */
interface Shape {
  name: string;
  spaceInput: Record<string, unknown>;
  penalty(p: Params): number;
  argmax: Params;
}

// The mixed space most studies use: int, log-int (per layer), categorical (per layer), log-float,
// float, categorical.
const MIXED = {
  depth: { int: [1, 4] },
  width: { int: [4, 256], log: true, perLayer: true },
  activation: { choice: ["relu", "leaky_relu", "tanh", "sigmoid"], perLayer: true },
  learningRate: { float: [1e-4, 1], log: true },
  momentum: { float: [0, 0.95] },
  weightDecay: { float: [1e-6, 1e-2], log: true },
  batchSize: { int: [8, 512], log: true },
  epochs: 20,
};

function params(p: Partial<Params> & Pick<Params, "depth" | "widths" | "activations">): Params {
  return { output: "", leakyAlpha: 0.01, maxoutPieces: 2, learningRate: 0.01, momentum: 0, weightDecay: 0, batchSize: 32, epochs: 20, ...p };
}

const meanOver = <T,>(xs: readonly T[], f: (x: T, i: number) => number) => xs.reduce((s, x, i) => s + f(x, i), 0) / xs.length;

/**
 * The effective step lr/(1−m) should grow with √batch (linear-scaling folklore): its best value
 * moves with both momentum and batch size, so one-dimension-at-a-time models miss it.
 */
const lrMomentumBatch: Shape = {
  name: "lr-momentum-batch",
  spaceInput: MIXED,
  penalty(p) {
    const target = log10(0.3) + 0.5 * log10(p.batchSize / 64);
    const eff = log10(p.learningRate / (1 - p.momentum));
    return (
      0.25 * (eff - target) ** 2 +
      0.6 * (p.momentum - 0.85) ** 2 +
      0.01 * (log2(p.batchSize) - 6) ** 2 +
      0.03 * (p.depth - 2) ** 2 +
      0.01 * meanOver(p.widths, (w) => (log2(w) - 6) ** 2) +
      0.04 * meanOver(p.widths, (_w, i) => (SATURATING.has(p.activations[i]!) ? 1 : 0)) +
      0.02 * (log10(p.weightDecay) + 4) ** 2
    );
  },
  argmax: params({ depth: 2, widths: [64, 64], activations: ["relu", "relu"], learningRate: 0.3 * 0.15, momentum: 0.85, batchSize: 64, weightDecay: 1e-4 }),
};

/**
 * Depth helps up to 3 layers, but a saturating unit costs more the deeper it sits (vanishing
 * gradients), and deep nets want a smaller learning rate: the per-layer activations matter only
 * for the depths that have them.
 */
const depthSaturation: Shape = {
  name: "depth-saturation",
  spaceInput: MIXED,
  penalty(p) {
    const sat = p.activations.reduce((s, a, i) => s + (SATURATING.has(a) ? 0.06 * (i + 1) * (a === "sigmoid" ? 1.5 : 1) : 0), 0);
    const leaky = p.activations.reduce((s, a, i) => s + (a === "relu" && i > 0 ? 0.02 : 0), 0);
    const lrTarget = -1.5 - 0.3 * (p.depth - 1);
    return (
      0.08 * (p.depth - 3) ** 2 +
      sat +
      leaky +
      0.15 * (log10(p.learningRate) - lrTarget) ** 2 +
      0.02 * meanOver(p.widths, (w, i) => (log2(w) - (7 - i)) ** 2) +
      0.1 * (p.momentum - 0.9) ** 2 +
      0.005 * (log2(p.batchSize) - 5) ** 2
    );
  },
  argmax: params({ depth: 3, widths: [128, 64, 32], activations: ["leaky_relu", "leaky_relu", "leaky_relu"], learningRate: 10 ** -2.1, momentum: 0.9, batchSize: 32, weightDecay: 1e-6 }),
};

/**
 * An autoencoder-like width pattern: wide, narrow bottleneck, wide again. Which width each layer
 * wants depends on the depth (the bottleneck sits in the middle), and a layer wider than the
 * input layer wastes capacity.
 */
const bottleneck: Shape = {
  name: "bottleneck",
  spaceInput: { ...MIXED, depth: { int: [1, 5] } },
  penalty(p) {
    const d = p.depth;
    const mid = Math.floor(d / 2);
    const target = (i: number) => (d === 1 ? 6 : i === mid ? 3 : i < mid ? 7 : 6);
    const widths = p.widths.reduce((s, w, i) => s + 0.04 * (log2(w) - target(i)) ** 2, 0);
    const wider = p.widths.reduce((s, w, i) => s + (i > 0 && w > p.widths[0]! ? 0.05 * (log2(w) - log2(p.widths[0]!)) : 0), 0);
    return (
      0.06 * (d - 3) ** 2 +
      widths +
      wider +
      0.12 * (log10(p.learningRate) + 2) ** 2 +
      0.05 * (p.momentum - 0.5) ** 2 +
      0.03 * meanOver(p.activations, (a) => (a === "sigmoid" ? 1 : 0))
    );
  },
  argmax: params({ depth: 3, widths: [128, 8, 64], activations: ["relu", "relu", "relu"], learningRate: 0.01, momentum: 0.5, batchSize: 64, weightDecay: 1e-5 }),
};

// A finite, mostly categorical space: unit per layer, output unit, batch size, learning rate
// and width from lists. Small enough to brute-force (synthetic.test.ts).
const CATEGORICAL = {
  depth: { int: [1, 3] },
  width: { choice: [16, 32, 64, 128], perLayer: true },
  activation: { choice: ["relu", "leaky_relu", "abs", "prelu", "sigmoid", "tanh"], perLayer: true },
  output: { choice: ["softmax", "softmax_km1"] },
  learningRate: { choice: [0.001, 0.003, 0.01, 0.03, 0.1, 0.3] },
  momentum: { choice: [0, 0.5, 0.9] },
  batchSize: { choice: [16, 64, 256] },
  epochs: 20,
};
const ACT_COST: Record<string, readonly number[]> = {
  // Per layer position: the first layer likes bounded units, later ones rectifiers.
  relu: [0.05, 0.0, 0.02],
  leaky_relu: [0.04, 0.02, 0.0],
  abs: [0.08, 0.06, 0.05],
  prelu: [0.03, 0.03, 0.03],
  sigmoid: [0.06, 0.12, 0.15],
  tanh: [0.0, 0.08, 0.1],
};
const LR_INDEX = new Map(CATEGORICAL.learningRate.choice.map((v, i) => [v, i]));

/** Unit choices interact with the learning rate (bounded units want a larger one) and momentum. */
const categoricalHeavy: Shape = {
  name: "categorical-heavy",
  spaceInput: CATEGORICAL,
  penalty(p) {
    // Index into the list: 0.01 for rectifiers only, one step up per bounded unit.
    const lrBest = 2 + p.activations.filter((a) => SATURATING.has(a)).length;
    const lr = LR_INDEX.get(p.learningRate)!;
    return (
      p.activations.reduce((s, a, i) => s + ACT_COST[a]![i]!, 0) +
      0.05 * (lr - lrBest) ** 2 +
      (p.momentum === 0.9 ? (p.batchSize === 16 ? 0.06 : 0) : p.momentum === 0.5 ? 0.03 : 0.08) +
      (p.output === "softmax" ? 0 : 0.02) +
      0.04 * Math.abs(p.depth - 3) +
      0.01 * meanOver(p.widths, (w, i) => Math.abs(log2(w) - (i === 0 ? 6 : 5))) +
      (p.batchSize === 64 ? 0 : 0.02)
    );
  },
  argmax: params({ depth: 3, widths: [64, 32, 32], activations: ["tanh", "relu", "leaky_relu"], output: "softmax", learningRate: 0.03, momentum: 0.9, batchSize: 64 }),
};

/**
 * Rugged: a multimodal learning-rate response (a cosine ripple on a bowl), periodic preferences
 * in log-width and momentum, and a weight decay whose best value grows with the net's size.
 * Local optima a narrow model locks onto.
 */
const rugged: Shape = {
  name: "rugged",
  spaceInput: MIXED,
  penalty(p) {
    const x = log10(p.learningRate) + 2.5;
    const size = meanOver(p.widths, (w) => log2(w)) + p.depth; // 5 + 2 at the optimum
    const wd = log10(p.weightDecay) - (-6 + 0.5 * (size - 3));
    return (
      0.05 * x * x +
      0.12 * (1 - Math.cos(2 * Math.PI * x)) +
      meanOver(p.widths, (w) => 0.04 * (1 - Math.cos(Math.PI * (log2(w) - 5))) + 0.005 * (log2(w) - 5) ** 2) +
      0.06 * (1 - Math.cos(4 * Math.PI * (p.momentum - 0.6))) +
      0.03 * wd * wd +
      0.05 * Math.abs(p.depth - 2) +
      0.03 * meanOver(p.activations, (a) => (a === "leaky_relu" ? 0 : 1)) +
      0.004 * (log2(p.batchSize) - 7) ** 2
    );
  },
  argmax: params({ depth: 2, widths: [32, 32], activations: ["leaky_relu", "leaky_relu"], learningRate: 10 ** -2.5, momentum: 0.6, weightDecay: 1e-4, batchSize: 128 }),
};

export const SHAPES: readonly Shape[] = [lrMomentumBatch, depthSaturation, bottleneck, categoricalHeavy, rugged];

/** Noise standard deviation of the noisy versions (on the exp(-penalty) ∈ (0, 1] scale). */
export const NOISE_SD = 0.02;

function objective(shape: Shape, noise: number): SuiteObjective & { argmax: Params; trueValue(p: Params): number } {
  const space = parseSpace(shape.spaceInput);
  const trueValue = (p: Params) => Math.exp(-shape.penalty(p));
  return {
    name: `synthetic/${shape.name}${noise > 0 ? "-noisy" : ""}`,
    family: "synthetic",
    spaceInput: shape.spaceInput,
    space,
    direction: "maximize",
    optimum: 1,
    argmax: shape.argmax,
    trueValue,
    evaluate: noise > 0 ? (p, seed) => trueValue(p) + noise * createRng(seed).fork(0x6e6f6973).normal() : (p) => trueValue(p),
  };
}

/** Every synthetic objective: the five shapes noise-free, and noisy versions of two of them. */
export const SYNTHETIC_OBJECTIVES = [
  ...SHAPES.map((s) => objective(s, 0)),
  objective(lrMomentumBatch, NOISE_SD),
  objective(depthSaturation, NOISE_SD),
];
