// The statistics live in @automl/search (one implementation for the dashboard, the CLI's
// ablations and tests); this module keeps the dashboard's imports short.
export { confidenceInterval, mean, pairedTTest, sampleStd, tCritical, tTwoSidedP, type Interval, type PairedTest } from "@automl/search";
