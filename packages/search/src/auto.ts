// `sampler: auto`, the default for new study files: picks the method per study from what the
// search benchmark suite (bench/search/suite, docs/benchmarks.md) shows.
// - Single objective, fewer than `gpTrials` finished trials: Gaussian-process BO (gp.ts), which
//   had the best mean rank at 20–160 trials on the suite's mixed conditional spaces.
// - Several objectives, or a long study: multivariate TPE (mtpe.ts), whose cost per suggestion
//   stays bounded at 10,000 trials (the GP's grows with the cube of its observations).
// Below the startup size both draw from the prior, so the first trials equal `random`'s.
import { DEFAULT_GP_OPTIONS, GpSampler } from "./gp";
import { MultivariateTpeSampler } from "./mtpe";
import type { Params, Sampler, SuggestContext } from "./types";

export interface AutoOptions {
  /** Finished trials from which the multivariate TPE takes over from the GP. */
  gpTrials: number;
}

export const DEFAULT_AUTO_OPTIONS: AutoOptions = { gpTrials: DEFAULT_GP_OPTIONS.handoverTrials };

export class AutoSampler implements Sampler {
  readonly name = "auto";
  readonly options: AutoOptions;
  private readonly gp: GpSampler;
  private readonly tpe = new MultivariateTpeSampler();

  constructor(options: Partial<AutoOptions> = {}) {
    this.options = { ...DEFAULT_AUTO_OPTIONS, ...options };
    this.gp = new GpSampler({ handoverTrials: this.options.gpTrials });
  }

  suggest(ctx: SuggestContext): Params {
    return ctx.directions.length === 1 ? this.gp.suggest(ctx) : this.tpe.suggest(ctx);
  }
}
