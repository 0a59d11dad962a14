export { incompleteBeta, logGamma, tCdf, tCritical, tQuantile, tTwoSidedP } from "./student-t";
export { confidenceInterval, mean, sampleStd, type Interval } from "./describe";
export { correctedResampledTTest, correctedTTestFromSummary, kFoldTestTrainRatio, pairedDifferences, pairedTTest, type CorrectedTTest, type PairedTest } from "./corrected-t";
export { adjustPValues, benjaminiHochbergAdjust, holmAdjust, type Correction } from "./multiple-comparisons";
export { correctedInterval, globalRanks, metricRange, significanceGroups, type BestComparison, type GroupedComparison, type SignificanceGroup } from "./leaderboard";
export { wilcoxonSignedRank, type WilcoxonResult } from "./wilcoxon";
