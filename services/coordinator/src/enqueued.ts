import { sampleRandom, type TrialParams } from "./sampler";
import type { EnqueuedTrial, SearchSpace } from "./study-file";

/** What the trial row stores: the configuration, plus where an enqueued one came from. */
export type StoredParams = TrialParams & {
  /** Given by the study file's `trials[i].label`: lets tools (ablation) find their variants. */
  label?: string;
  /** Overrides the seed derived from (study seed, number). */
  trialSeed?: number;
};

/** Repeats the last entry or drops entries until `xs` has `n` of them. */
function resize<T>(xs: readonly T[], n: number): T[] {
  return Array.from({ length: n }, (_, i) => xs[Math.min(i, xs.length - 1)]!);
}

/**
 * The params of enqueued trial `number`: the given fields, and for the others what the random
 * sampler draws from `space` for this trial number (a function of the study file alone, so a
 * restarted coordinator proposes the same). Validation (lengths, required fields without a space)
 * happened when the study file was parsed.
 */
export function resolveEnqueued(
  entry: EnqueuedTrial,
  space: SearchSpace | undefined,
  studySeed: number,
  number: number,
  network?: { inputDim: number; outputDim: number },
): StoredParams {
  const p = entry.params;
  const base: Partial<TrialParams> = space ? sampleRandom(space, studySeed, number, network) : { output: "", leakyAlpha: 0.01, maxoutPieces: 2, momentum: 0, weightDecay: 0 };
  const depth = p.depth ?? p.widths?.length ?? p.activations?.length ?? base.depth!;
  const params: StoredParams = {
    depth,
    widths: p.widths ?? resize(base.widths!, depth),
    activations: p.activations ?? (p.activation ? resize([p.activation], depth) : resize(base.activations!, depth)),
    output: p.output ?? base.output!,
    leakyAlpha: p.leakyAlpha ?? base.leakyAlpha!,
    maxoutPieces: p.maxoutPieces ?? base.maxoutPieces!,
    learningRate: p.learningRate ?? base.learningRate!,
    momentum: p.momentum ?? base.momentum!,
    weightDecay: p.weightDecay ?? base.weightDecay!,
    batchSize: p.batchSize ?? base.batchSize!,
    epochs: p.epochs ?? base.epochs!,
  };
  const label = entry.label ?? p.label;
  const seed = entry.trialSeed ?? p.trialSeed;
  if (label !== undefined) params.label = label;
  if (seed !== undefined) params.trialSeed = seed;
  return params;
}
