// BOHB's sampler (Falkner et al. 2018): under a rung-based pruner most trials stop early, so a
// model fit only on complete trials sees few points. BOHB fits its density model (here our TPE)
// on the highest fidelity that has enough results: the complete trials' values if there are
// enough of them, else the values recorded at the highest rung (minEpochs·η^k epochs) that
// enough trials reached, else the next rung down. A fraction of the suggestions is drawn from the
// prior, as in BOHB, so the model never closes the space off. Single objective: with several,
// it is plain TPE. Pure like every sampler: the model's data and the coin for "random or model"
// come from the context alone.
import { createRng } from "@automl/common";
import { sampleRandom } from "./random";
import { DEFAULT_TPE_OPTIONS, TpeSampler, type TpeOptions } from "./tpe";
import type { FinishedTrial, Params, Sampler, SuggestContext } from "./types";

export interface BohbOptions {
  /** The rungs the trials are judged at (the pruner's): minEpochs·η^k epochs. */
  minEpochs: number;
  reductionFactor: number;
  /** Share of suggestions drawn from the prior (BOHB's ρ; 1/3 in the paper). */
  randomFraction: number;
  /** A fidelity is modelled once this many trials have a value there (default: TPE's startupTrials). */
  minPoints: number;
  tpe: TpeOptions;
}

export const DEFAULT_BOHB_OPTIONS: BohbOptions = {
  minEpochs: 1,
  reductionFactor: 3,
  randomFraction: 1 / 3,
  minPoints: DEFAULT_TPE_OPTIONS.startupTrials,
  tpe: DEFAULT_TPE_OPTIONS,
};

const COIN_STREAM = 0x626f6862; // "bohb"

/** The history as TPE should see it at fidelity `epoch` (undefined: the complete trials' values). */
function atFidelity(trials: readonly FinishedTrial[], epoch: number | undefined): FinishedTrial[] {
  const out: FinishedTrial[] = [];
  for (const t of trials) {
    const v = epoch === undefined ? (t.state === "COMPLETE" ? t.values?.[0] : undefined) : t.intermediate?.get(epoch);
    if (v !== undefined && Number.isFinite(v)) out.push({ number: t.number, params: t.params, state: "COMPLETE", values: [v] });
    // Running trials stay visible: TPE avoids proposing them again.
    else if (t.state === "RUNNING") out.push({ number: t.number, params: t.params, state: "RUNNING" });
  }
  return out;
}

export class BohbSampler implements Sampler {
  readonly name = "bohb";
  readonly options: BohbOptions;
  private readonly tpe: TpeSampler;

  constructor(options: Partial<BohbOptions> = {}) {
    this.options = { ...DEFAULT_BOHB_OPTIONS, ...options };
    const o = this.options;
    if (!Number.isInteger(o.minEpochs) || o.minEpochs < 1) throw new Error(`sampler.bohb.minEpochs must be an integer ≥ 1, got ${o.minEpochs}`);
    if (!Number.isInteger(o.reductionFactor) || o.reductionFactor < 2) throw new Error(`sampler.bohb.reductionFactor must be an integer ≥ 2, got ${o.reductionFactor}`);
    if (!(o.randomFraction >= 0 && o.randomFraction <= 1)) throw new Error(`sampler.bohb.randomFraction must be in [0, 1], got ${o.randomFraction}`);
    // The fidelity is chosen here; TPE models whatever it is handed from its first point.
    this.tpe = new TpeSampler({ ...o.tpe, startupTrials: Math.min(o.tpe.startupTrials, o.minPoints) });
  }

  /** The fidelity the model is fit on: undefined for complete trials, else a rung's epoch, or null for none yet. */
  fidelity(trials: readonly FinishedTrial[]): number | undefined | null {
    const { minEpochs, reductionFactor, minPoints } = this.options;
    const complete = trials.filter((t) => t.state === "COMPLETE" && t.values?.[0] !== undefined && Number.isFinite(t.values[0])).length;
    if (complete >= minPoints) return undefined;
    const counts = new Map<number, number>();
    let top = 0;
    for (const t of trials) {
      for (const [e, v] of t.intermediate ?? []) {
        if (!Number.isFinite(v)) continue;
        counts.set(e, (counts.get(e) ?? 0) + 1);
        top = Math.max(top, e);
      }
    }
    const rungs: number[] = [];
    for (let e = minEpochs; e <= top; e *= reductionFactor) rungs.push(e);
    for (const e of rungs.reverse()) if ((counts.get(e) ?? 0) >= minPoints) return e;
    return null;
  }

  suggest(ctx: SuggestContext): Params {
    if (ctx.directions.length !== 1) return this.tpe.suggest(ctx);
    const fidelity = this.fidelity(ctx.trials);
    if (fidelity === null) return sampleRandom(ctx);
    const coin = createRng(ctx.seed).fork(ctx.number).fork(COIN_STREAM).next();
    if (coin < this.options.randomFraction) return sampleRandom(ctx);
    return this.tpe.suggest({ ...ctx, trials: atFidelity(ctx.trials, fidelity) });
  }
}
