// The statistics live in @automl/search (one implementation for the dashboard, the CLI's
// ablations and tests); this module keeps the dashboard's imports short.
export {
  confidenceInterval, correctedInterval, globalRanks, mean, metricRange, pairedTTest, sampleStd, significanceGroups, tCritical, tTwoSidedP,
  type Interval, type PairedTest, type SignificanceGroup,
} from "@automl/search";
