export { incompleteBeta, logGamma, tCdf, tCritical, tQuantile, tTwoSidedP } from "./student-t";
export { confidenceInterval, mean, sampleStd, type Interval } from "./describe";
export { correctedResampledTTest, kFoldTestTrainRatio, pairedDifferences, pairedTTest, type CorrectedTTest, type PairedTest } from "./corrected-t";
export { adjustPValues, benjaminiHochbergAdjust, holmAdjust, type Correction } from "./multiple-comparisons";
export { wilcoxonSignedRank, type WilcoxonResult } from "./wilcoxon";
