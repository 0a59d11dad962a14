export * from "./types";
export { createMlp, validateMlpSpec } from "./mlp";
export { crossValidate, mlpParamCount } from "./cv";
export type { CvData, CvOptions, CvOutcome, EpochDecision, EpochReport, FoldOutcome } from "./cv";
export { evaluateMetric, metricDirection, metricFitsTask, METRICS, type Metric } from "./metrics";
export type { TrainConfig } from "./train";
// Reference kernels: other backends are tested against these.
export * from "./kernels/linear";
export * from "./kernels/activations";
export * from "./kernels/outputs";
