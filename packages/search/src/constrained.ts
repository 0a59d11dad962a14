// Rejection of configurations that break the space's constraints (and, for model-based
// samplers, of repeats): a sampler proposes, this keeps proposing from the same seeded stream
// until one fits, so the result stays a pure function of the context.
import { AppError } from "@automl/common";
import { constraintViolation } from "./network";
import type { Params, SuggestContext } from "./types";

export const MAX_CONSTRAINT_TRIES = 1000;

/**
 * The first proposal that meets the constraints and is not a repeat; if every satisfying one is a
 * repeat, the first satisfying one. Throws (INVALID_ARGUMENT naming space.constraints) when none fits.
 */
export function firstSatisfying(ctx: SuggestContext, propose: (attempt: number) => Params, isRepeat?: (p: Params) => boolean): Params {
  let last = "";
  let repeat: Params | undefined;
  for (let attempt = 0; attempt < MAX_CONSTRAINT_TRIES; attempt++) {
    const p = propose(attempt);
    const why = constraintViolation(ctx.space, p, ctx.network);
    if (why !== undefined) {
      last = why;
      continue;
    }
    if (!isRepeat?.(p)) return p;
    repeat ??= p;
    if (attempt >= 64) break; // enough looking for a new one: the space is nearly exhausted
  }
  if (repeat) return repeat;
  throw new AppError(
    "INVALID_ARGUMENT",
    `space.constraints: none of ${MAX_CONSTRAINT_TRIES} draws satisfied the constraints (last: ${last}); loosen them or shrink the space`,
  );
}

export function sameParams(a: Params, b: Params): boolean {
  if (a.depth !== b.depth || a.learningRate !== b.learningRate || a.momentum !== b.momentum || a.weightDecay !== b.weightDecay) return false;
  if (a.batchSize !== b.batchSize || a.epochs !== b.epochs || a.output !== b.output || a.leakyAlpha !== b.leakyAlpha || a.maxoutPieces !== b.maxoutPieces) return false;
  for (let i = 0; i < a.depth; i++) if (a.widths[i] !== b.widths[i] || a.activations[i] !== b.activations[i]) return false;
  return true;
}
