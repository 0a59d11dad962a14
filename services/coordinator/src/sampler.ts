import { createRng, type Rng } from "@automl/common";
import type { SearchSpace } from "./study-file";

/** One sampled configuration. */
export interface TrialParams {
  depth: number;
  widths: number[];
  /** One per hidden layer. */
  activations: string[];
  /** Empty when the task's default output unit is used. */
  output: string;
  leakyAlpha: number;
  maxoutPieces: number;
  learningRate: number;
  momentum: number;
  weightDecay: number;
  batchSize: number;
  epochs: number;
}

/** "relu" when every layer has the same unit, else the per-layer list: "relu/tanh/relu". */
export function activationLabel(activations: string[]): string {
  return new Set(activations).size <= 1 ? (activations[0] ?? "none") : activations.join("/");
}

type Dim = number | string | { int: [number, number]; log: boolean } | { float: [number, number]; log: boolean } | { choice: readonly (number | string)[] };

function draw(rng: Rng, dim: Dim): number | string {
  if (typeof dim === "number" || typeof dim === "string") return dim;
  if ("choice" in dim) return dim.choice[rng.int(dim.choice.length)]!;
  const [lo, hi] = "int" in dim ? dim.int : dim.float;
  const isInt = "int" in dim;
  if (dim.log) {
    // Log-uniform; for integers widen by half a step so both ends are as likely as the rest.
    const a = Math.log(isInt ? lo - 0.5 + 1e-9 : lo);
    const b = Math.log(isInt ? hi + 0.5 : hi);
    const v = Math.exp(a + (b - a) * rng.next());
    return isInt ? Math.min(hi, Math.max(lo, Math.round(v))) : v;
  }
  return isInt ? lo + rng.int(hi - lo + 1) : lo + (hi - lo) * rng.next();
}

/**
 * The seeded random sampler. A trial's draw depends only on (study seed, trial number), so a
 * restarted coordinator proposes exactly what the lost one would have: its state is the trials in Postgres.
 */
export function sampleRandom(space: SearchSpace, studySeed: number, number: number): TrialParams {
  const rng = createRng(studySeed).fork(number);
  const depth = draw(rng, space.depth) as number;
  const widthDim = space.width;
  const perLayer = typeof widthDim === "object" && widthDim.perLayer;
  const first = draw(rng, widthDim) as number;
  const widths = [first];
  for (let i = 1; i < depth; i++) widths.push(perLayer ? (draw(rng, widthDim) as number) : first);
  const act = space.activation;
  const firstAct = draw(rng, act) as string;
  const activations = [firstAct];
  const actPerLayer = typeof act === "object" && act.perLayer;
  for (let i = 1; i < depth; i++) activations.push(actPerLayer ? (draw(rng, act) as string) : firstAct);
  // Dimensions added after the first release are drawn after the original ones, so a study file
  // that does not use them samples exactly as before.
  return {
    depth,
    widths,
    activations,
    learningRate: draw(rng, space.learningRate) as number,
    batchSize: draw(rng, space.batchSize) as number,
    epochs: draw(rng, space.epochs) as number,
    output: space.output === undefined ? "" : (draw(rng, space.output) as string),
    leakyAlpha: draw(rng, space.leakyAlpha) as number,
    maxoutPieces: draw(rng, space.maxoutPieces) as number,
    momentum: draw(rng, space.momentum) as number,
    weightDecay: draw(rng, space.weightDecay) as number,
  };
}

/** A seed for the trial's own initialisation and shuffling, distinct per trial. */
export function trialSeed(studySeed: number, number: number): number {
  return Math.floor(createRng(studySeed).fork(1_000_003 + number).next() * 2 ** 32) >>> 0;
}
