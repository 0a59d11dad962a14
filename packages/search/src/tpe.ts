import type { Params, Sampler, SuggestContext } from "./types";

export interface TpeOptions {
  startupTrials: number;
  candidates: number;
  gamma: number;
  maxGood: number;
  priorWeight: number;
  constantLiar: boolean;
  maxObservations: number;
}

export const DEFAULT_TPE_OPTIONS: TpeOptions = {
  startupTrials: 10,
  candidates: 24,
  gamma: 0.1,
  maxGood: 25,
  priorWeight: 1,
  constantLiar: false,
  maxObservations: 1024,
};

export class TpeSampler implements Sampler {
  readonly name = "tpe";
  constructor(readonly options: TpeOptions = DEFAULT_TPE_OPTIONS) {}
  suggest(_ctx: SuggestContext): Params {
    throw new Error("TPE: not implemented yet");
  }
}
