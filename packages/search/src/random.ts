// The seeded random sampler: draws from the prior with the stream (seed, trial number), so a
// restarted coordinator proposes exactly what the lost one would have. For a space without
// constraints the draws equal the first release's `sampleRandom`.
import { createRng } from "@automl/common";
import { firstSatisfying } from "./constrained";
import { drawPrior } from "./draw";
import type { Params, Sampler, SuggestContext } from "./types";

/** The prior draw for (seed, number), redrawn from the same stream until it meets the constraints. */
export function sampleRandom(ctx: Pick<SuggestContext, "space" | "seed" | "number" | "network">): Params {
  const rng = createRng(ctx.seed).fork(ctx.number);
  return firstSatisfying({ ...ctx, trials: [], directions: [] }, () => drawPrior(ctx.space, rng));
}

export class RandomSampler implements Sampler {
  readonly name = "random";
  suggest(ctx: SuggestContext): Params {
    return sampleRandom(ctx);
  }
}
