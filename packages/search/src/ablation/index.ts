export { ablationVariants, HIDDEN_UNITS, type AblationFactor, type AblationParams, type AblationPlan, type AblationPlanOptions, type AblationVariant, type SkippedVariant } from "./variants";
export { analyzeAblation, type AblationAnalysisOptions, type AblationArm, type AblationRow } from "./analyze";
