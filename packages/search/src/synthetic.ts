// Synthetic studies for tests and benchmarks: two spaces, a cheap objective with a known
// optimum, and a sequential study loop. Pure, like the rest of the package.
import { parseSpace } from "./space";
import type { Direction, FinishedTrial, NetworkShape, Params, Sampler, SpaceDef } from "./types";

/** A finite space (every float has a step): every sampler, the grid included, must handle it. */
export const FINITE_SPACE: SpaceDef = parseSpace({
  depth: { int: [1, 3] },
  width: { choice: [4, 8, 16, 32, 64], perLayer: true },
  activation: { choice: ["relu", "tanh", "maxout", "prelu"], perLayer: true },
  maxoutPieces: { int: [2, 3] },
  learningRate: { choice: [0.003, 0.01, 0.03, 0.1, 0.3] },
  momentum: { float: [0, 0.9], step: 0.1 },
  batchSize: { choice: [8, 32] },
  epochs: { int: [10, 30], step: 10 },
});

/** A space with continuous and log-scaled dims (not for the grid). */
export const CONTINUOUS_SPACE: SpaceDef = parseSpace({
  depth: { int: [1, 4] },
  width: { int: [2, 256], log: true, perLayer: true },
  activation: { choice: ["relu", "leaky_relu", "tanh", "sigmoid"], perLayer: false },
  output: { choice: ["softmax", "softmax_km1"] },
  leakyAlpha: { float: [0.01, 0.3] },
  learningRate: { float: [0.0001, 1], log: true },
  momentum: { float: [0, 0.95] },
  weightDecay: { float: [1e-6, 1e-2], log: true },
  batchSize: { choice: [16, 64, 256] },
  epochs: 20,
});

export const SHAPE: NetworkShape = { inputDim: 20, outputDim: 3 };

/**
 * A smooth synthetic objective with a known optimum (to maximize, ≤ 0): depth 2, every width 32,
 * learning rate 0.05, relu-like units. Cheap, so a test can run whole studies.
 */
export function syntheticScore(p: Params): number {
  const lr = Math.log10(p.learningRate) - Math.log10(0.05);
  const widths = p.widths.reduce((s, w) => s + (Math.log2(w) - 5) ** 2, 0) / p.depth;
  const act = p.activations.filter((a) => a !== "relu" && a !== "leaky_relu" && a !== "prelu").length / p.depth;
  return -(lr * lr + 0.5 * widths + 0.7 * (p.depth - 2) ** 2 + act + 0.3 * (p.momentum - 0.6) ** 2);
}

export interface StudyRun {
  trials: FinishedTrial[];
  best: number;
}

/**
 * Runs a sequential study: suggest, score, record. With `mixStates`, every 7th trial is pruned (with
 * a curve), every 11th failed and the last two stay running, to exercise those paths.
 */
export function simulateStudy(
  sampler: Sampler,
  space: SpaceDef,
  seed: number,
  n: number,
  opts: { directions?: Direction[]; score?: (p: Params) => number[]; mixStates?: boolean; network?: NetworkShape } = {},
): StudyRun {
  const directions = opts.directions ?? ["maximize"];
  const score = opts.score ?? ((p: Params) => [syntheticScore(p)]);
  const trials: FinishedTrial[] = [];
  let best = -Infinity;
  for (let number = 0; number < n; number++) {
    const params = sampler.suggest({ space, seed, number, trials, directions, ...(opts.network ? { network: opts.network } : {}) });
    const values = score(params);
    best = Math.max(best, values[0]!);
    if (opts.mixStates && number % 7 === 6) {
      trials.push({ number, params, state: "PRUNED", intermediate: new Map([[1, values[0]! - 1], [3, values[0]! - 0.5]]) });
    } else if (opts.mixStates && number % 11 === 10) {
      trials.push({ number, params, state: "FAILED" });
    } else if (opts.mixStates && number >= n - 2) {
      trials.push({ number, params, state: "RUNNING" });
    } else {
      trials.push({ number, params, state: "COMPLETE", values, intermediate: new Map([[1, values[0]! - 1], [3, values[0]! - 0.5]]) });
    }
  }
  return { trials, best };
}

