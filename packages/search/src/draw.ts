// Drawing one value from a dimension's prior (uniform, log-uniform, or uniform over a list), and
// assembling Params in the fixed order the first release used, so old studies sample as before.
import type { Rng } from "@automl/common";
import { maxDepth } from "./space";
import type { Dim, Params, Scalar, SpaceDef } from "./types";

/** Values low, low+step, … ≤ high of a stepped range. */
export function stepCount(low: number, high: number, step: number): number {
  // The epsilon forgives float ranges like [0, 0.3] step 0.1 (0.3/0.1 = 2.9999999999999996).
  return Math.floor((high - low) / step + 1e-9) + 1;
}

/** low + k·step, rounded so float steps do not print as 0.30000000000000004. */
export function stepValue(low: number, step: number, k: number): number {
  return Number((low + k * step).toPrecision(12));
}

export function drawDim(rng: Rng, dim: Dim): Scalar {
  switch (dim.kind) {
    case "fixed":
      return dim.value;
    case "choice":
      return dim.choices[rng.int(dim.choices.length)]!;
    default: {
      const { low: lo, high: hi } = dim;
      const isInt = dim.kind === "int";
      if (dim.step !== undefined) return stepValue(lo, dim.step, rng.int(stepCount(lo, hi, dim.step)));
      if (dim.log) {
        // Log-uniform; for integers widen by half a step so both ends are as likely as the rest.
        const a = Math.log(isInt ? lo - 0.5 + 1e-9 : lo);
        const b = Math.log(isInt ? hi + 0.5 : hi);
        const v = Math.exp(a + (b - a) * rng.next());
        return isInt ? Math.min(hi, Math.max(lo, Math.round(v))) : v;
      }
      return isInt ? lo + rng.int(hi - lo + 1) : lo + (hi - lo) * rng.next();
    }
  }
}

/**
 * Where the value of each drawn quantity comes from. `draw(name, dim, layer)` is called in the
 * first release's order: depth, widths, activations, learningRate, batchSize, epochs, output,
 * leakyAlpha, maxoutPieces, momentum, weightDecay. Per-layer dims of layer i are asked only
 * when depth > i; a shared per-layer dim is asked once (layer 0) and copied.
 */
export type DimSource = (name: keyof Params, dim: Dim, layer?: number) => Scalar;

export function assembleParams(space: SpaceDef, source: DimSource): Params {
  const depth = source("depth", space.depth) as number;
  const widths = [source("widths", space.width.dim, 0) as number];
  for (let i = 1; i < depth; i++) widths.push(space.width.perLayer ? (source("widths", space.width.dim, i) as number) : widths[0]!);
  const activations = [source("activations", space.activation.dim, 0) as string];
  for (let i = 1; i < depth; i++) activations.push(space.activation.perLayer ? (source("activations", space.activation.dim, i) as string) : activations[0]!);
  // Dimensions added after the first release are drawn after the original ones, so a study file
  // that does not use them samples exactly as before.
  return {
    depth,
    widths,
    activations,
    learningRate: source("learningRate", space.learningRate) as number,
    batchSize: source("batchSize", space.batchSize) as number,
    epochs: source("epochs", space.epochs) as number,
    output: space.output === undefined ? "" : (source("output", space.output) as string),
    leakyAlpha: source("leakyAlpha", space.leakyAlpha) as number,
    maxoutPieces: source("maxoutPieces", space.maxoutPieces) as number,
    momentum: source("momentum", space.momentum) as number,
    weightDecay: source("weightDecay", space.weightDecay) as number,
  };
}

/** A draw from the prior (the random sampler's distribution). */
export function drawPrior(space: SpaceDef, rng: Rng): Params {
  return assembleParams(space, (_name, dim) => drawDim(rng, dim));
}

/** Whether `v` is a value `dim` can produce (used to drop observations from an edited space). */
export function dimContains(dim: Dim, v: Scalar | undefined): boolean {
  if (v === undefined) return false;
  switch (dim.kind) {
    case "fixed":
      return v === dim.value;
    case "choice":
      return dim.choices.includes(v);
    default:
      if (typeof v !== "number" || v < dim.low || v > dim.high || (dim.kind === "int" && !Number.isInteger(v))) return false;
      if (dim.step === undefined) return true;
      const k = (v - dim.low) / dim.step;
      return Math.abs(k - Math.round(k)) < 1e-6;
  }
}

/** Whether `p` is a configuration of `space` (bounds, per-layer lengths, shared dims equal). */
export function paramsInSpace(space: SpaceDef, p: Params): boolean {
  if (!dimContains(space.depth, p.depth) || p.widths.length !== p.depth || p.activations.length !== p.depth) return false;
  if (p.depth > maxDepth(space)) return false;
  for (let i = 0; i < p.depth; i++) {
    if (!dimContains(space.width.dim, p.widths[i]) || !dimContains(space.activation.dim, p.activations[i])) return false;
    if (!space.width.perLayer && p.widths[i] !== p.widths[0]) return false;
    if (!space.activation.perLayer && p.activations[i] !== p.activations[0]) return false;
  }
  if (space.output === undefined ? p.output !== "" : !dimContains(space.output, p.output)) return false;
  const scalars = ["leakyAlpha", "maxoutPieces", "learningRate", "momentum", "weightDecay", "batchSize", "epochs"] as const;
  return scalars.every((k) => dimContains(space[k], p[k]));
}
