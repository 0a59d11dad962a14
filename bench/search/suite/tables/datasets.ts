// The curve tables' datasets, grids and training: one function trains one configuration of a
// table exactly as generate.ts did, so the test can retrain a few rows and compare them with the
// stored curves. Training is the engine's crossValidate on its TypeScript backend (the default):
// deterministic IEEE arithmetic with no threads, so a row is reproducible on any machine.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kFoldSplits, loadBuiltinFile, parseCsv, SKLEARN_DATA_DIR, type Dataset, type FoldSplit } from "@automl/datasets";
import { crossValidate, type Activation } from "@automl/nn";
import { parseSpace, type Params, type SpaceDef } from "@automl/search";

export type TableName = "digits" | "fashion-mnist" | "wine";

export interface TableSpec {
  name: TableName;
  /** What the rows are: the subset, the folds. */
  description: string;
  folds: number;
  /** Epochs of every row: the curves' length and the pruners' largest fidelity. */
  epochs: number;
  /** The study-file space: every dimension fixed or a `choice`, so every suggestion is a row. */
  spaceInput: Record<string, unknown>;
  load(): Dataset;
}

/** sklearn's wine (178 × 13, 3 classes) from its Debian python3-sklearn CSV; its first line is a count header, not names. */
function loadWine(): Dataset {
  const text = readFileSync(join(SKLEARN_DATA_DIR, "wine_data.csv"), "utf8").trim().split("\n");
  const body = text.slice(1);
  const d = body[0]!.split(",").length - 1;
  const header = [...Array.from({ length: d }, (_, i) => `f${i}`), "class"].join(",");
  return parseCsv([header, ...body].join("\n"), { target: "class", task: "multiclass" });
}

// Widths per layer from a list and depth 1–4 where a row is cheap (wine, digits); Fashion-MNIST's
// 784 inputs make a row ~20× dearer, so its grid is smaller (depth 1–3).
export const TABLES: readonly TableSpec[] = [
  {
    name: "wine",
    description: "sklearn wine, all 178 rows, 3-fold stratified CV",
    folds: 3,
    epochs: 27,
    spaceInput: {
      depth: { choice: [1, 2, 3, 4] },
      width: { choice: [4, 32], perLayer: true },
      activation: "relu",
      learningRate: { choice: [0.003, 0.03, 0.3] },
      momentum: { choice: [0, 0.9] },
      batchSize: { choice: [8, 64] },
      epochs: 27,
    },
    load: loadWine,
  },
  {
    name: "digits",
    description: "sklearn digits, all 1797 rows, 3-fold stratified CV",
    folds: 3,
    epochs: 27,
    spaceInput: {
      depth: { choice: [1, 2, 3, 4] },
      width: { choice: [16, 64], perLayer: true },
      activation: "relu",
      learningRate: { choice: [0.003, 0.03, 0.3] },
      momentum: { choice: [0, 0.9] },
      batchSize: { choice: [32, 256] },
      epochs: 27,
    },
    load: () => loadBuiltinFile("digits", { seed: 0 }),
  },
  {
    name: "fashion-mnist",
    description: "Fashion-MNIST, a stratified 1000-row subset of the training set, 3-fold stratified CV",
    folds: 3,
    epochs: 27,
    spaceInput: {
      depth: { choice: [1, 2, 3] },
      width: { choice: [16, 64], perLayer: true },
      activation: "relu",
      learningRate: { choice: [0.003, 0.03, 0.3] },
      momentum: { choice: [0, 0.9] },
      batchSize: { choice: [32, 128] },
      epochs: 27,
    },
    load: () => loadBuiltinFile("fashion-mnist", { n: 1000, seed: 0 }),
  },
];

const choicesOf = (d: SpaceDef["depth"]): readonly (number | string)[] => (d.kind === "choice" ? d.choices : d.kind === "fixed" ? [d.value] : []);

/** The varying part of a configuration: its table key. */
export function rowKey(p: Pick<Params, "depth" | "widths" | "learningRate" | "momentum" | "batchSize">): string {
  return JSON.stringify([p.depth, p.widths, p.learningRate, p.momentum, p.batchSize]);
}

/** Every configuration of a finite space (choice and fixed dimensions only), in a fixed order. */
export function enumerateSpace(space: SpaceDef): Params[] {
  const all = (d: SpaceDef["depth"]) => {
    const c = choicesOf(d);
    if (!c.length) throw new Error(`not a finite dimension: ${JSON.stringify(d)}`);
    return c;
  };
  const fixed = (d: SpaceDef["depth"]) => {
    if (d.kind !== "fixed") throw new Error(`expected a fixed dimension: ${JSON.stringify(d)}`);
    return d.value;
  };
  const out: Params[] = [];
  const act = fixed(space.activation.dim) as string;
  for (const depth of all(space.depth) as number[]) {
    let widthLists: number[][] = [[]];
    const w = all(space.width.dim) as number[];
    if (space.width.perLayer) for (let i = 0; i < depth; i++) widthLists = widthLists.flatMap((l) => w.map((x) => [...l, x]));
    else widthLists = w.map((x) => Array<number>(depth).fill(x));
    for (const widths of widthLists)
      for (const learningRate of all(space.learningRate) as number[])
        for (const momentum of all(space.momentum) as number[])
          for (const batchSize of all(space.batchSize) as number[])
            out.push({
              depth,
              widths,
              activations: Array<string>(depth).fill(act),
              output: "",
              leakyAlpha: fixed(space.leakyAlpha) as number,
              maxoutPieces: fixed(space.maxoutPieces) as number,
              learningRate,
              momentum,
              weightDecay: fixed(space.weightDecay) as number,
              batchSize,
              epochs: fixed(space.epochs) as number,
            });
  }
  return out;
}

/** The training seed of a row: a hash of its key, so it does not depend on the row's position. */
export function rowSeed(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export interface Prepared {
  spec: TableSpec;
  space: SpaceDef;
  data: Dataset;
  folds: FoldSplit[];
}

export function prepare(spec: TableSpec): Prepared {
  const data = spec.load();
  return { spec, space: parseSpace(spec.spaceInput), data, folds: kFoldSplits(data.y, spec.folds, { stratified: true, seed: 0 }) };
}

/**
 * Trains one row: validation accuracy of every fold after every epoch, [fold][epoch − 1]. A fold
 * that diverges ends the run (crossValidate stops there); its remaining epochs and the folds not
 * trained are recorded at chance accuracy (1/classes), what a diverged model predicts at best.
 */
export async function trainRow(prep: Prepared, p: Params): Promise<{ curves: number[][]; diverged: boolean }> {
  const { data, folds, spec } = prep;
  const curves = folds.map(() => [] as number[]);
  const out = await crossValidate(
    { X: data.X, y: data.y, n: data.n, d: data.d },
    folds,
    { inputDim: data.d, hidden: p.widths, activation: p.activations as Activation[], task: "multiclass", outputDim: data.classes },
    { learningRate: p.learningRate, batchSize: p.batchSize, epochs: p.epochs, momentum: p.momentum },
    { seed: rowSeed(rowKey(p)), metric: "accuracy", surface: false, onEpoch: (fold, r) => (curves[fold]!.push(r.validMetric), "continue") },
  );
  const diverged = out.status === "diverged";
  const chance = 1 / data.classes;
  for (const c of curves) {
    // The diverging epoch reported nothing usable (or a non-finite metric).
    for (let e = 0; e < c.length; e++) if (!Number.isFinite(c[e]!)) c[e] = chance;
    while (c.length < spec.epochs) c.push(chance);
  }
  return { curves, diverged };
}

/** The stored form of a table (see tabular.ts for the reader). */
export interface CurveTableFile {
  format: 1;
  name: string;
  description: string;
  metric: "accuracy";
  direction: "maximize";
  folds: number;
  epochs: number;
  spaceInput: Record<string, unknown>;
  /** How each row was trained: enough to retrain one (datasets.ts trainRow). */
  training: string;
  generated: { date: string; wallSeconds: number; machine: string; cpus: number; node: string; loadAverage: number; command: string };
  /** Per row: [depth, widths, learningRate, momentum, batchSize] (rowKey's order). */
  rows: [number, number[], number, number, number][];
  /** Rows whose training diverged (recorded at chance accuracy from the diverging epoch on). */
  diverged: number[];
  /** Per row: fold-major validation accuracies, folds × epochs values, rounded to DECIMALS. */
  curves: number[][];
}

/** Stored precision of a curve value: accuracies are k/m with m ≤ 600, so 6 decimals keep them exact to 1e-6. */
export const DECIMALS = 6;
export const round = (v: number) => Number(v.toFixed(DECIMALS));
