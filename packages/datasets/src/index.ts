export * from "./types";
export { generateDataset, BUILTIN_DATASETS } from "./generators";
export { kFoldSplits, type FoldSplit, type KFoldOptions } from "./splits";
