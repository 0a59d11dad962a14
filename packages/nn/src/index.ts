export * from "./types";
export { createMlp, validateMlpSpec } from "./mlp";
export { crossValidate, mlpParamCount } from "./cv";
export type { CvCheckpoint, CvData, CvOptions, CvOutcome, EpochDecision, EpochReport, FoldCheckpoint, FoldOutcome } from "./cv";
export { SharedFolds, DEFAULT_SHARED_FOLDS_BYTES, type EncodedBudget } from "./shared-folds";
export { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint } from "./checkpoint";
export {
  evaluateMetric,
  evaluateMetrics,
  metricDirection,
  metricFitsTask,
  metricsForTask,
  METRICS,
  type Metric,
} from "./metrics";
export type { EarlyStoppingConfig, TrainConfig } from "./train";
export { applyPreprocessor, fitPreprocessor, type Preprocessor } from "./preprocess";
export { learningRateAt, sgdUpdateTensor, SgdOptimizer, type LrSchedule, type SgdOptions } from "./optimizer";
export * from "./backend";
export { jsBackend, weightDecayMask } from "./backends/js";
export {
  AUTO_CUDA_MIN_MACS,
  AUTO_NATIVE_MIN_MACS,
  ENABLE_NATIVE_HINT,
  nativeUnavailableNotice,
  requireBackend,
  selectBackend,
  stepMacs,
  type AvailableBackends,
  type BackendSelection,
} from "./backends/select";
export { MlpModel, type LayerSlots } from "./mlp";
export { planLayers, resolveLeakyAlpha, resolveOutputUnit, resolveMaxoutPieces, type LayerPlan } from "./spec";
export type { EpochDiagnostics } from "./diagnostics";
export type { DecisionSurface } from "./surface";
export { defaultOutputUnit, OUTPUT_UNITS, outputUnitsFor } from "./output-units";
export { DEFAULT_MAXOUT_PIECES, PRELU_ALPHA_INIT } from "./spec";
// Reference kernels: other backends are tested against these.
export * from "./kernels/float";
export * from "./kernels/linear";
export * from "./kernels/activations";
export * from "./kernels/prelu";
export * from "./kernels/maxout";
export * from "./kernels/outputs";
