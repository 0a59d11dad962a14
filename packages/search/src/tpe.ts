// Tree-structured Parzen Estimator (Bergstra et al. 2011), in the independent form Optuna uses by
// default. The finished trials are split into a good group (the best γ·n, at most maxGood) and a
// bad group; per dimension l(x) models the good values, g(x) the bad ones, and the suggestion is
// the candidate drawn from l with the largest l(x)/g(x).
// - Conditional dims: layer i's width/activation is observed only in trials deeper than i and
//   drawn only when the suggested depth is deeper than i (the tree structure of the name).
// - Pruned trials count as worse than every complete one, deeper-reaching ones first (Optuna).
// - Several objectives: the split ranks by non-dominated front, then by crowding distance.
// - Constraints and repeats: a proposal that breaks a constraint or repeats a trial of the study
//   (running ones included, so parallel suggestions differ) is redrawn from the same stream,
//   after a few tries from the prior.
// - Scale: the bad group is capped at the `maxObservations` most recent trials (the good group is
//   at most maxGood), so a suggestion costs O(n) for the split plus O(candidates·maxObservations)
//   per dimension, whatever the study's size.
import { createRng, type Rng } from "@automl/common";
import { firstSatisfying, sameParams } from "./constrained";
import { assembleParams, dimContains, drawPrior, stepCount, stepValue } from "./draw";
import { crowdingDistance, nonDominatedRanks } from "./pareto";
import { CategoricalParzen, NumericParzen, recencyWeights } from "./parzen";
import { sampleRandom } from "./random";
import type { Dim, Direction, FinishedTrial, Params, Sampler, Scalar, SuggestContext } from "./types";

export interface TpeOptions {
  /** Below this many finished (complete or pruned) trials, suggest from the prior (random). */
  startupTrials: number;
  /** Candidates drawn from l(x) per dimension; the best l/g wins. */
  candidates: number;
  /** Fraction of finished trials in the good group… */
  gamma: number;
  /** …but at most this many. */
  maxGood: number;
  /** Weight of the prior component in each estimator (observations weigh ≤ 1 each). */
  priorWeight: number;
  /** Count running trials as bad, so parallel workers spread out (Optuna's constant_liar). */
  constantLiar: boolean;
  /** The bad group keeps only this many most recent trials (bounds the cost per suggestion). */
  maxObservations: number;
}

export const DEFAULT_TPE_OPTIONS: TpeOptions = {
  startupTrials: 10,
  candidates: 24,
  gamma: 0.1,
  maxGood: 25,
  priorWeight: 1,
  constantLiar: false,
  maxObservations: 512,
};

const TPE_STREAM = 0x747065; // "tpe": a stream apart from the random sampler's
const MODEL_TRIES = 8;

type Name = keyof Params;

/** Reads the value a trial took for a drawn quantity (undefined where the layer did not exist). */
export function getter(name: Name, layer: number | undefined): (p: Params) => Scalar | undefined {
  // One closure per name with a literal property: monomorphic loads in the hot loops below.
  const i = layer ?? 0;
  switch (name) {
    case "widths":
      return (p) => p.widths[i];
    case "activations":
      return (p) => p.activations[i];
    case "depth":
      return (p) => p.depth;
    case "learningRate":
      return (p) => p.learningRate;
    case "momentum":
      return (p) => p.momentum;
    case "weightDecay":
      return (p) => p.weightDecay;
    case "batchSize":
      return (p) => p.batchSize;
    case "epochs":
      return (p) => p.epochs;
    case "leakyAlpha":
      return (p) => p.leakyAlpha;
    case "maxoutPieces":
      return (p) => p.maxoutPieces;
    case "output":
      return (p) => p.output;
  }
}

/** Comparison key of a pruned trial for the split: smaller is better. */
interface PrunedKey {
  index: number;
  number: number;
  step: number; // the last step reached (more is better)
  value: number; // its value there, minimize form
}

function prunedBetter(a: PrunedKey, b: PrunedKey): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.value !== b.value) return a.value < b.value;
  return a.number < b.number;
}

function lastStep(m: ReadonlyMap<number, number> | undefined): { step: number; value: number } | undefined {
  if (!m || m.size === 0) return undefined;
  let step = -Infinity;
  for (const s of m.keys()) if (s > step) step = s;
  const value = m.get(step)!;
  return Number.isFinite(value) ? { step, value } : undefined;
}

function finiteValues(v: readonly number[] | undefined, k: number): boolean {
  if (!v || v.length !== k) return false;
  for (let i = 0; i < k; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

export interface Split {
  /** Indices into trials of the good group. */
  good: number[];
  /** Indices into trials of the other finished (complete or pruned) trials. */
  bad: number[];
  /** Complete + pruned trials. */
  finished: number;
  /** Indices into trials of the running ones. */
  running: number[];
  /** numbers[i] = trials[i].number, read in the same pass. */
  numbers: Float64Array;
}

/**
 * The good group: the best ⌈γ·n⌉ finished trials (at most maxGood), complete ones before pruned
 * ones, ties by trial number so the result does not depend on the order trials come in. One pass
 * over the trials into typed arrays: at 10,000 trials the pointer chasing is the cost.
 */
export function splitTrials(trials: readonly FinishedTrial[], directions: readonly Direction[], o: Pick<TpeOptions, "gamma" | "maxGood">): Split {
  const k = directions.length;
  const sign0 = directions[0] === "maximize" ? -1 : 1;
  const n = trials.length;
  const completeIdx = new Int32Array(n);
  const completeKey = new Float64Array(n);
  let nComplete = 0;
  const pruned: PrunedKey[] = [];
  const running: number[] = [];
  const numbers = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = trials[i]!;
    numbers[i] = t.number;
    if (t.state === "COMPLETE") {
      // Values missing, non-finite or not one per objective: the trial cannot be ranked, so the
      // model does not see it (it is neither good nor bad).
      if (!finiteValues(t.values, k)) continue;
      completeIdx[nComplete] = i;
      completeKey[nComplete++] = sign0 * t.values![0]!;
    } else if (t.state === "PRUNED") {
      const last = lastStep(t.intermediate);
      if (last) pruned.push({ index: i, number: t.number, step: last.step, value: sign0 * last.value });
    } else if (t.state === "RUNNING") running.push(i);
  }
  const finished = nComplete + pruned.length;
  const nGood = Math.min(Math.ceil(o.gamma * finished), o.maxGood);
  const good: number[] = [];
  if (k === 1) {
    // The nGood best complete trials in a small sorted buffer: O(n) for nGood ≪ n.
    const top: number[] = []; // positions in completeIdx
    const better = (a: number, b: number) =>
      completeKey[a]! !== completeKey[b]! ? completeKey[a]! < completeKey[b]! : numbers[completeIdx[a]!]! < numbers[completeIdx[b]!]!;
    for (let q = 0; q < nComplete && nGood > 0; q++) {
      if (top.length === nGood) {
        if (!better(q, top[nGood - 1]!)) continue;
        top.pop();
      }
      top.push(q);
      for (let j = top.length - 1; j > 0 && better(top[j]!, top[j - 1]!); j--) [top[j], top[j - 1]] = [top[j - 1]!, top[j]!];
    }
    for (const q of top) good.push(completeIdx[q]!);
  } else {
    const points = Array.from(completeIdx.subarray(0, nComplete), (i) => trials[i]!.values!);
    const ranks = nonDominatedRanks(points, directions, nGood);
    const byRank: number[][] = [];
    ranks.forEach((r, j) => {
      if (r !== Infinity) (byRank[r] ??= []).push(j);
    });
    for (const front of byRank) {
      if (!front) continue;
      if (good.length + front.length <= nGood) {
        good.push(...front.map((j) => completeIdx[j]!));
        continue;
      }
      // The last front that fits partly: keep its most spread-out points.
      const crowd = crowdingDistance(front.map((j) => points[j]!));
      const order = front.map((j, q) => ({ j, c: crowd[q]! })).sort((a, b) => b.c - a.c || trials[completeIdx[a.j]!]!.number - trials[completeIdx[b.j]!]!.number);
      for (const { j } of order.slice(0, nGood - good.length)) good.push(completeIdx[j]!);
      break;
    }
  }
  if (good.length < nGood) {
    pruned.sort((a, b) => (prunedBetter(a, b) ? -1 : prunedBetter(b, a) ? 1 : 0));
    for (const p of pruned.slice(0, nGood - good.length)) good.push(p.index);
  }
  const isGood = new Uint8Array(n);
  for (const i of good) isGood[i] = 1;
  const bad: number[] = [];
  for (let q = 0; q < nComplete; q++) if (!isGood[completeIdx[q]!]) bad.push(completeIdx[q]!);
  for (const p of pruned) if (!isGood[p.index]) bad.push(p.index);
  return { good, bad, finished, running, numbers };
}

/** The `cap` of `indices` with the highest trial numbers, oldest first. */
export function mostRecent(numbers: Float64Array, indices: number[], cap: number): number[] {
  let kept = indices;
  if (indices.length > cap) {
    const nums = new Float64Array(indices.length);
    for (let q = 0; q < indices.length; q++) nums[q] = numbers[indices[q]!]!;
    const threshold = nums.sort()[nums.length - cap]!;
    kept = indices.filter((i) => numbers[i]! >= threshold);
  }
  return kept.sort((a, b) => numbers[a]! - numbers[b]!);
}

/** How a numeric dim maps to the estimator's line: log scale, and ±half a step around ints and steps. */
export interface NumericLine {
  low: number;
  high: number;
  to(v: number): number;
  from(x: number): number;
}

export function numericLine(dim: Extract<Dim, { kind: "int" | "float" }>): NumericLine {
  const { low: lo, high: hi } = dim;
  if (dim.step !== undefined) {
    const count = stepCount(lo, hi, dim.step);
    const step = dim.step;
    return {
      low: lo - step / 2,
      high: lo + (count - 1) * step + step / 2,
      to: (v) => v,
      from: (x) => stepValue(lo, step, Math.min(count - 1, Math.max(0, Math.round((x - lo) / step)))),
    };
  }
  const isInt = dim.kind === "int";
  const half = isInt ? 0.5 : 0;
  const clamp = (v: number) => Math.min(hi, Math.max(lo, isInt ? Math.round(v) : v));
  if (dim.log) return { low: Math.log(lo - half), high: Math.log(hi + half), to: Math.log, from: (x) => clamp(Math.exp(x)) };
  return { low: lo - half, high: hi + half, to: (v) => v, from: (x) => clamp(x) };
}

/** Draws one dimension's value: candidates from l, the best l/g. */
type DimDrawer = (rng: Rng) => Scalar;

function buildDrawer(dim: Dim, get: (p: Params) => Scalar | undefined, good: readonly Params[], bad: readonly Params[], o: TpeOptions): DimDrawer {
  if (dim.kind === "fixed") return () => dim.value;
  if (dim.kind === "choice") {
    const index = new Map(dim.choices.map((c, i) => [c, i]));
    const collect = (ps: readonly Params[]) => {
      const out: number[] = [];
      for (const p of ps) {
        const c = index.get(get(p)!);
        if (c !== undefined) out.push(c);
      }
      return out;
    };
    const goodObs = collect(good);
    const badObs = collect(bad);
    const l = new CategoricalParzen(goodObs, recencyWeights(goodObs.length), dim.choices.length, o.priorWeight);
    const g = new CategoricalParzen(badObs, recencyWeights(badObs.length), dim.choices.length, o.priorWeight);
    return (rng) => {
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < o.candidates; c++) {
        const x = l.sample(rng);
        const s = l.logPmf(x) - g.logPmf(x);
        if (s > bestScore) [best, bestScore] = [x, s];
      }
      return dim.choices[best]!;
    };
  }
  if (dim.low === dim.high) return () => dim.low;
  const line = numericLine(dim);
  const collect = (ps: readonly Params[]) => {
    const out = new Float64Array(ps.length);
    let n = 0;
    for (const p of ps) {
      const v = get(p);
      if (dimContains(dim, v)) out[n++] = line.to(v as number);
    }
    return out.subarray(0, n);
  };
  const goodObs = collect(good);
  const badObs = collect(bad);
  const l = new NumericParzen(goodObs, recencyWeights(goodObs.length), line.low, line.high, o.priorWeight);
  const g = new NumericParzen(badObs, recencyWeights(badObs.length), line.low, line.high, o.priorWeight);
  const xs = new Float64Array(o.candidates);
  const lx = new Float64Array(o.candidates);
  const gx = new Float64Array(o.candidates);
  return (rng) => {
    for (let c = 0; c < o.candidates; c++) xs[c] = l.sample(rng);
    l.logPdfMany(xs, lx);
    g.logPdfMany(xs, gx);
    let best = 0;
    for (let c = 1; c < o.candidates; c++) if (lx[c]! - gx[c]! > lx[best]! - gx[best]!) best = c;
    return line.from(xs[best]!);
  };
}

export class TpeSampler implements Sampler {
  readonly name = "tpe";
  readonly options: TpeOptions;

  constructor(options: Partial<TpeOptions> = {}) {
    this.options = { ...DEFAULT_TPE_OPTIONS, ...options };
  }

  suggest(ctx: SuggestContext): Params {
    const o = this.options;
    const { trials, directions } = ctx;
    if (directions.length === 0) throw new Error("TPE needs at least one objective direction");
    const split = splitTrials(trials, directions, o);
    if (split.finished < Math.max(1, o.startupTrials)) return sampleRandom(ctx);
    const bad = o.constantLiar ? [...split.bad, ...split.running] : split.bad;
    const goodTrials = mostRecent(split.numbers, split.good, Infinity).map((i) => trials[i]!.params);
    const badTrials = mostRecent(split.numbers, bad, o.maxObservations).map((i) => trials[i]!.params);
    // Repeats are looked for among the trials the model sees and the running ones (not the
    // whole history: at 10,000 trials that scan would cost more than the model).
    const seen = [...goodTrials, ...badTrials, ...split.running.map((i) => trials[i]!.params)];

    const drawers = new Map<string, DimDrawer>();
    const rng = createRng(ctx.seed).fork(ctx.number).fork(TPE_STREAM);
    const draw = (name: Name, dim: Dim, layer?: number): Scalar => {
      const key = layer === undefined ? name : `${name}[${layer}]`;
      let d = drawers.get(key);
      if (!d) {
        d = buildDrawer(dim, getter(name, layer), goodTrials, badTrials, o);
        drawers.set(key, d);
      }
      return d(rng);
    };
    // The model's argmax can land on a configuration already tried (or one over the constraints)
    // again and again; after MODEL_TRIES such proposals, draw from the prior instead.
    return firstSatisfying(
      ctx,
      (attempt) => (attempt < MODEL_TRIES ? assembleParams(ctx.space, draw) : drawPrior(ctx.space, rng)),
      (p) => seen.some((q) => sameParams(q, p)),
    );
  }
}
