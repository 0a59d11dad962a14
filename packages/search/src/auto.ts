// `sampler: auto`, the default for new study files: the method the search benchmark suite
// (bench/search/suite, results in bench/search/results/suite.md) shows best on our problem class
// (mixed int/log/float/categorical spaces, per-layer dims conditional on depth, interactions,
// noise) at 10–160 trials: the multivariate TPE with conditional groups (mtpe.ts). Its cost per
// suggestion stays bounded at 10,000 trials (the bad group is capped), and it handles several
// objectives. Below its startup size it draws from the prior, so the first trials equal `random`'s.
// The GP sampler (gp.ts) is not chosen: its cost grows with the cube of its observations, and
// it has not been run on the full suite (see packages/search/README.md).
import { DEFAULT_MULTIVARIATE_TPE_OPTIONS, MultivariateTpeSampler, type MultivariateTpeOptions } from "./mtpe";
import type { Params, Sampler, SuggestContext } from "./types";

export const AUTO_TPE_OPTIONS: MultivariateTpeOptions = { ...DEFAULT_MULTIVARIATE_TPE_OPTIONS };

export class AutoSampler implements Sampler {
  readonly name = "auto";
  private readonly tpe = new MultivariateTpeSampler(AUTO_TPE_OPTIONS);

  suggest(ctx: SuggestContext): Params {
    return this.tpe.suggest(ctx);
  }
}
