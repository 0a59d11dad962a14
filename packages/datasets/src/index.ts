export * from "./types";
export { generateDataset, BUILTIN_DATASETS } from "./generators";
export { kFoldSplits, type FoldSplit, type KFoldOptions } from "./splits";
export { parseCsv, loadCsv, type CsvOptions } from "./csv";
export { loadIdx, parseIdx, type IdxArray, type IdxOptions } from "./idx";
export { stratifiedSubset } from "./subset";
export {
  loadBuiltinFile,
  missingBuiltinFile,
  BUILTIN_FILE_DATASETS,
  BUILTIN_FILE_DIRS,
  type BuiltinFileDirs,
  FASHION_MNIST_DIR,
  SKLEARN_DATA_DIR,
  type BuiltinFileName,
  type BuiltinFileOptions,
} from "./builtin-files";
export { hashFile, hashBytes } from "./hash";
