// Size of a sampled network, for the space's constraints. The layout is the engine's
// (packages/nn planLayers): inputs → hidden widths → output logits; a maxout layer has `pieces`
// columns per unit, a PReLU layer one slope per unit, softmax_km1 has K−1 logits.
import { AppError } from "@automl/common";
import type { NetworkShape, Params, SpaceDef } from "./types";

function* layers(p: Params, shape: NetworkShape): Generator<{ Din: number; cols: number; units: number; act: string | null }> {
  let Din = shape.inputDim;
  for (let i = 0; i < p.depth; i++) {
    const units = p.widths[i]!;
    const act = p.activations[i]!;
    const cols = act === "maxout" ? units * p.maxoutPieces : units;
    yield { Din, cols, units, act };
    Din = units;
  }
  const logits = p.output === "softmax_km1" ? shape.outputDim - 1 : shape.outputDim;
  yield { Din, cols: logits, units: logits, act: null };
}

/** Trainable parameters: weights, biases and PReLU slopes (equals @automl/nn's mlpParamCount). */
export function paramCount(p: Params, shape: NetworkShape): number {
  let n = 0;
  for (const l of layers(p, shape)) n += l.Din * l.cols + l.cols + (l.act === "prelu" ? l.units : 0);
  return n;
}

/**
 * Forward-pass FLOPs per example: 2 per multiply-add of every weight (the matrix products), plus
 * one per bias and per hidden pre-activation for the unit (maxout's comparisons included). The
 * matrix products dominate; the rest keeps tiny nets from counting as free.
 */
export function flopCount(p: Params, shape: NetworkShape): number {
  let n = 0;
  for (const l of layers(p, shape)) n += 2 * l.Din * l.cols + l.cols + (l.act === null ? 0 : l.cols);
  return n;
}

/** The first constraint `p` breaks, as a sentence, or undefined when it satisfies them all. */
export function constraintViolation(space: SpaceDef, p: Params, shape: NetworkShape | undefined): string | undefined {
  const { maxParams, maxFlops } = space.constraints;
  if (maxParams === undefined && maxFlops === undefined) return undefined;
  if (!shape) throw new AppError("INVALID_ARGUMENT", "space.constraints: checking maxParams/maxFlops needs the network's input and output sizes (SuggestContext.network)");
  if (maxParams !== undefined) {
    const n = paramCount(p, shape);
    if (n > maxParams) return `${n} parameters exceed space.constraints.maxParams ${maxParams}`;
  }
  if (maxFlops !== undefined) {
    const n = flopCount(p, shape);
    if (n > maxFlops) return `${n} FLOPs exceed space.constraints.maxFlops ${maxFlops}`;
  }
  return undefined;
}
