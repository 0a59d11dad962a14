import { createRng } from "@automl/common";
import { createSampler, normalizeSpace, sampleRandom as searchSampleRandom, samplerSchema, type FinishedTrial, type Params, type Sampler } from "@automl/search";
import { networkShape, type SearchSpace, type StudyFile } from "./study-file";

/** One sampled configuration (the search package's Params). */
export type TrialParams = Params;

/** "relu" when every layer has the same unit, else the per-layer list: "relu/tanh/relu". */
export function activationLabel(activations: string[]): string {
  return new Set(activations).size <= 1 ? (activations[0] ?? "none") : activations.join("/");
}

/**
 * The seeded random draw for (study seed, trial number) — what a restarted coordinator proposes
 * again. `network` is needed only when the space has constraints.
 */
export function sampleRandom(space: SearchSpace, studySeed: number, number: number, network?: { inputDim: number; outputDim: number }): TrialParams {
  return searchSampleRandom({ space: normalizeSpace(space), seed: studySeed, number, ...(network ? { network } : {}) });
}

const samplers = new Map<string, Sampler>();

/** The study's sampler, built once per distinct `sampler` field (samplers are pure, so sharing is safe). */
function samplerFor(file: StudyFile): Sampler {
  const key = JSON.stringify(file.sampler);
  let s = samplers.get(key);
  if (!s) {
    s = createSampler(samplerSchema.parse(file.sampler));
    samplers.set(key, s);
  }
  return s;
}

/**
 * The study's sampler's proposal for trial `number`, from the other trials of the study as
 * Postgres holds them (`trials`): a pure function of the study file and that history.
 */
export function suggestParams(file: StudyFile, studySeed: number, number: number, trials: readonly FinishedTrial[]): TrialParams {
  const network = networkShape(file);
  return samplerFor(file).suggest({
    space: normalizeSpace(file.space!),
    seed: studySeed,
    number,
    trials,
    directions: file.objectives.map((o) => o.direction),
    ...(network ? { network } : {}),
  });
}

/** A seed for the trial's own initialisation and shuffling, distinct per trial. */
export function trialSeed(studySeed: number, number: number): number {
  return Math.floor(createRng(studySeed).fork(1_000_003 + number).next() * 2 ** 32) >>> 0;
}
