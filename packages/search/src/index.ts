// @automl/search: the search-space language, samplers, pruners and Pareto helpers. Pure: no I/O.
export * from "./types";
export { ACTIVATIONS, OUTPUTS, spaceInputSchema, spaceSchema, normalizeSpace, normalizeDim, parseSpace, flattenIssues, formatPath, maxDepth, type SpaceInput } from "./space";
export { drawDim, drawPrior, dimContains, paramsInSpace } from "./draw";
export { paramCount, flopCount, constraintViolation } from "./network";
export { RandomSampler, sampleRandom } from "./random";
export { GridSampler, gridSize, gridValues } from "./grid";
export { TpeSampler, DEFAULT_TPE_OPTIONS, type TpeOptions } from "./tpe";
export { MultivariateTpeSampler, DEFAULT_MULTIVARIATE_TPE_OPTIONS, type MultivariateTpeOptions } from "./mtpe";
export { GpSampler, DEFAULT_GP_OPTIONS, logExpectedImprovement, type GpOptions } from "./gp";
export { AutoSampler, AUTO_GP_OPTIONS } from "./auto";
export { AshaPruner, rungAt, topFraction, type AshaOptions } from "./asha";
export { MedianPruner, type MedianOptions } from "./median";
export { HyperbandPruner, bracketBudgets, bracketCount, bracketOf, type HyperbandOptions } from "./hyperband";
export { BohbSampler, DEFAULT_BOHB_OPTIONS, type BohbOptions } from "./bohb";
export { NopPruner } from "./nop-pruner";
export { dominates, paretoFront, nonDominatedRanks, crowdingDistance, hypervolume2d } from "./pareto";
export {
  samplerSchema,
  prunerSchema,
  createSampler,
  createPruner,
  type SamplerConfig,
  type SamplerInput,
  type PrunerConfig,
  type PrunerInput,
} from "./config";
// Statistics for paired CV comparisons, ablation studies and parameter importance (the "ablation" part).
export * from "./stats";
export * from "./ablation";
export * from "./importance";
export { CONTINUOUS_SPACE, FINITE_SPACE, SHAPE as SYNTHETIC_SHAPE, syntheticScore, simulateStudy, type StudyRun } from "./synthetic";
