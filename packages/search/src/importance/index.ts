export { IMPORTANCE_METHOD, parameterImportance, trialFeatures, type FeatureValue, type ImportanceObservation, type ImportanceOptions, type ParameterImportance, type TrialParamsLike } from "./importance";
export { forestMainEffects, treeMainEffects, type Domain } from "./fanova";
export { predictTree, trainForest, type ForestOptions, type TreeNode } from "./random-forest";
