// Rejection of configurations that break the space's constraints: a sampler proposes, this
// keeps proposing from the same seeded stream until one fits, so the result stays a pure
// function of the context.
import { AppError } from "@automl/common";
import { constraintViolation } from "./network";
import type { Params, SuggestContext } from "./types";

export const MAX_CONSTRAINT_TRIES = 1000;

export function firstSatisfying(ctx: SuggestContext, propose: (attempt: number) => Params): Params {
  let last = "";
  for (let attempt = 0; attempt < MAX_CONSTRAINT_TRIES; attempt++) {
    const p = propose(attempt);
    const why = constraintViolation(ctx.space, p, ctx.network);
    if (why === undefined) return p;
    last = why;
  }
  throw new AppError(
    "INVALID_ARGUMENT",
    `space.constraints: none of ${MAX_CONSTRAINT_TRIES} draws satisfied the constraints (last: ${last}); loosen them or shrink the space`,
  );
}
