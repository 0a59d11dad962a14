// `sampler: auto`, the default for new study files: the method the search benchmark suite
// (bench/search/suite, results in bench/search/results/suite.md) shows best on our problem class
// (mixed int/log/float/categorical spaces, per-layer dims conditional on depth, interactions,
// noise) at 10–160 trials. Today that is Gaussian-process Bayesian optimization (gp.ts) after 5
// prior draws: on the suite it has a lower mean regret than Optuna's default TPE at 40 and 80
// trials on most objectives, and the best mean rank. A GP's cost grows with the cube of its
// observations, so from AUTO_GP_OPTIONS.handoverTrials finished trials on — and for several
// objectives — the multivariate TPE with conditional groups (mtpe.ts) suggests instead, which
// keeps a suggestion cheap at 10,000 trials.
import { DEFAULT_GP_OPTIONS, GpSampler, type GpOptions } from "./gp";
import type { Params, Sampler, SuggestContext } from "./types";

/** The suite's choice (bench/search/suite: `ours:auto`); 5 startup draws beat 10 at 10–40 trials there. */
export const AUTO_GP_OPTIONS: GpOptions = { ...DEFAULT_GP_OPTIONS, startupTrials: 5 };

export class AutoSampler implements Sampler {
  readonly name = "auto";
  private readonly gp = new GpSampler(AUTO_GP_OPTIONS);

  suggest(ctx: SuggestContext): Params {
    return this.gp.suggest(ctx);
  }
}
