import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError } from "@automl/common";
import { checkStudyCompute, checkStudyFileNestingText, checkStudyFileShape, checkStudyFileSize } from "./input-limits";
import { ACTIVATIONS, flattenIssues, formatPath, gridSize, normalizeSpace, OUTPUTS, prunerSchema, samplerSchema, spaceInputSchema } from "@automl/search";

/** Hidden units of the engine (the seed's design), and its output units. */
export { ACTIVATIONS, OUTPUTS };

// The `space` section is @automl/search's language (conditional per-layer dims, constraints); the
// stored spec keeps the user's shape and is normalized to a SpaceDef when sampling. `sampler` and
// `pruner` likewise keep their input form (`tpe`, `{ asha: { minEpochs: 2 } }`).
const space = spaceInputSchema;
const sampler = samplerSchema.in;
const pruner = prunerSchema.in;

// Fixed training options (not searched).
const training = z.strictObject({
  init: z.enum(["auto", "he", "glorot"]).default("auto"),
  schedule: z
    .discriminatedUnion("type", [
      z.strictObject({ type: z.literal("constant") }),
      z.strictObject({ type: z.literal("step"), everyEpochs: z.number().int().min(1), gamma: z.number().gt(0).max(1) }),
      z.strictObject({ type: z.literal("cosine"), minLearningRate: z.number().min(0).optional() }),
    ])
    .default({ type: "constant" }),
  clipNorm: z.number().positive().optional(),
  earlyStopping: z.strictObject({ patience: z.number().int().min(1).max(1000), validationFraction: z.number().gt(0).lt(0.5) }).optional(),
});

/** Builtin datasets and the task each one is. */
export const BUILTIN_TASKS = {
  xor: "binary",
  moons: "binary",
  circles: "binary",
  spirals: "multiclass",
  "fashion-mnist": "multiclass",
  mnist: "multiclass",
  iris: "multiclass",
  digits: "multiclass",
} as const;
const SYNTHETIC = new Set(["xor", "moons", "circles", "spirals"]);

const builtinDataset = z.strictObject({
  builtin: z.enum(Object.keys(BUILTIN_TASKS) as [keyof typeof BUILTIN_TASKS, ...(keyof typeof BUILTIN_TASKS)[]]),
  /** Generated examples, or a stratified subset of a file dataset (all when absent). */
  n: z.number().int().min(10).max(1_000_000).optional(),
  noise: z.number().min(0).max(10).default(0.1),
  classes: z.number().int().min(2).max(100).optional(),
  split: z.enum(["train", "test"]).default("train"),
});
// A CSV file. The CLI resolves `path` (relative to the study file), checks and hashes the file,
// and for the distributed stack uploads it and replaces `path` by `contentHash`.
const fileDataset = z.strictObject({
  path: z.string().min(1).optional(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  name: z.string().optional(),
  format: z.literal("csv").default("csv"),
  target: z.string().min(1),
  categorical: z.array(z.string().min(1)).default([]),
  n: z.number().int().min(10).max(10_000_000).optional(),
});
const dataset = z.union([builtinDataset, fileDataset]);

/**
 * A configuration to run before any sampling (like Optuna's enqueue_trial): full or partial
 * params. Missing fields are drawn from `space` as the random sampler would for that trial
 * number; without a `space` every required field must be given. `label` and `trialSeed` may also
 * sit inside `params` (so a stored trial's params can be copied as they are); the entry's own win.
 */
const enqueuedParams = z.strictObject({
  depth: z.number().int().min(1).max(16).optional(),
  widths: z.array(z.number().int().min(1).max(4096)).min(1).max(16).optional(),
  /** Shorthand: one unit for every layer. */
  activation: z.enum(ACTIVATIONS).optional(),
  activations: z.array(z.enum(ACTIVATIONS)).min(1).max(16).optional(),
  /** "" = the task's default output unit. */
  output: z.union([z.enum(OUTPUTS), z.literal("")]).optional(),
  leakyAlpha: z.number().min(0).max(1).optional(),
  maxoutPieces: z.number().int().min(2).max(16).optional(),
  learningRate: z.number().positive().max(1e6).optional(),
  momentum: z.number().min(0).max(0.999).optional(),
  weightDecay: z.number().min(0).max(1).optional(),
  batchSize: z.number().int().min(1).max(65536).optional(),
  epochs: z.number().int().min(1).max(10_000).optional(),
  label: z.string().min(1).max(200).optional(),
  trialSeed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
});
const enqueuedTrial = z.strictObject({
  params: enqueuedParams,
  /** Overrides the per-trial seed (initialisation and shuffling), e.g. to pair ablation variants with their base. */
  trialSeed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  /** Stored in the trial's params as `label`, so tools can find the trial again. */
  label: z.string().min(1).max(200).optional(),
});
export type EnqueuedTrial = z.infer<typeof enqueuedTrial>;
const REQUIRED_WITHOUT_SPACE = ["learningRate", "batchSize", "epochs"] as const;

/** Objective metrics: the CV metrics, and `params` (trainable parameter count, minimized). */
export const CV_METRICS = ["accuracy", "logloss", "f1", "auc", "mse", "r2"] as const;
const direction = z.enum(["maximize", "minimize"]);
const objective = z.strictObject({ metric: z.enum(CV_METRICS), direction });
const objectiveItem = z.strictObject({ metric: z.enum([...CV_METRICS, "params"]), direction });
export type Objective = z.infer<typeof objectiveItem>;

const METRICS = {
  binary: ["accuracy", "logloss", "f1", "auc"],
  multiclass: ["accuracy", "logloss"],
  regression: ["mse", "r2"],
} as const;

export const studyFileSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    dataset,
    task: z.enum(["binary", "multiclass", "regression"]),
    /** Optional when every trial is enqueued in `trials`. */
    space: space.optional(),
    // interleave: train the folds side by side so a pruner judges the mean over folds (pruning.ts).
    cv: z
      .strictObject({ folds: z.number().int().min(2).max(50).default(5), stratified: z.boolean().default(true), interleave: z.boolean().default(false) })
      .default({ folds: 5, stratified: true, interleave: false }),
    /** The CV objective (single-objective form; with `objectives`, their first CV metric). */
    objective: objective.optional(),
    /** Several objectives: the result is a Pareto front. The first CV metric is what workers score. */
    objectives: z.array(objectiveItem).min(1).max(4).optional(),
    // New study files get `auto`; stored studies keep the sampler they were created with (storedStudyFile).
    sampler: sampler.default("auto"),
    /** Stops unpromising trials at their epoch reports: none | asha | median (with options). */
    pruner: pruner.default("none"),
    /** `trials` defaults to the number of enqueued trials. */
    budget: z.strictObject({ trials: z.number().int().min(1).max(100_000).optional(), parallel: z.number().int().min(1).max(1024).default(1) }).default({ parallel: 1 }),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    pool: z.string().regex(/^[a-z0-9-]+$/).default("cpu"),
    training: training.default({ init: "auto", schedule: { type: "constant" } }),
    /** Configurations dispatched in order, as trials 0, 1, …, before the sampler proposes any. */
    trials: z.array(enqueuedTrial).min(1).max(10_000).optional(),
    /** What happens once the study completes: `refit` trains the best trial on all rows into a model (`automl run`). */
    final: z.strictObject({ refit: z.boolean().default(false) }).default({ refit: false }),
  })
  .superRefine((s, ctx) => {
    checkEnqueued(s, ctx);
    checkObjectives(s, ctx);
    checkGrid(s, ctx);
    const d = s.dataset;
    if ("builtin" in d) {
      const task = BUILTIN_TASKS[d.builtin];
      if (s.task !== task) ctx.addIssue({ code: "custom", path: ["task"], message: `the ${d.builtin} dataset is ${task}` });
      if (SYNTHETIC.has(d.builtin) && d.n === undefined) d.n = 400;
      if (d.n !== undefined && s.cv.folds > d.n) ctx.addIssue({ code: "custom", path: ["cv", "folds"], message: `more folds than examples (${d.n})` });
    } else if (!d.path === !d.contentHash) {
      ctx.addIssue({ code: "custom", path: ["dataset"], message: "give exactly one of builtin, path or contentHash" });
    }
    if (s.space?.constraints && (s.space.constraints.maxParams !== undefined || s.space.constraints.maxFlops !== undefined) && !("builtin" in d)) {
      ctx.addIssue({ code: "custom", path: ["space", "constraints"], message: "need a builtin dataset (a CSV file's input width is known only once workers encode it)" });
    }
    const output = s.space?.output;
    const outputs = output === undefined ? [] : typeof output === "string" ? [output] : output.choice;
    outputs.forEach((o, i) => {
      if (!OUTPUT_FITS[s.task]!.includes(o)) {
        const path = typeof output === "string" ? ["space", "output"] : ["space", "output", "choice", i];
        ctx.addIssue({ code: "custom", path, message: `${o} is not an output unit for a ${s.task} task (use ${OUTPUT_FITS[s.task]!.join(" or ")})` });
      }
    });
  });

type ParsedStudyFile = z.infer<typeof studyFileSchema>;
/**
 * A validated study: `budget.trials` is always set (the enqueued count when omitted), `objective`
 * is the CV objective workers score, `objectives` the full list (just `[objective]` when single).
 */
export type StudyFile = Omit<ParsedStudyFile, "budget" | "objective" | "objectives"> & {
  budget: ParsedStudyFile["budget"] & { trials: number };
  objective: z.infer<typeof objective>;
  objectives: Objective[];
};

const naturalDirection = (metric: string) => (metric === "logloss" || metric === "mse" || metric === "params" ? "minimize" : "maximize");

/** Every objective applies to the task, points the natural way, appears once; one is a CV metric. */
function checkObjectives(s: ParsedStudyFile, ctx: z.RefinementCtx): void {
  const allowed: readonly string[] = METRICS[s.task];
  const check = (o: Objective, path: (string | number)[]) => {
    if (o.metric !== "params" && !allowed.includes(o.metric)) {
      ctx.addIssue({ code: "custom", path: [...path, "metric"], message: `${o.metric} does not apply to a ${s.task} task (use ${allowed.join(" or ")})` });
    }
    const natural = naturalDirection(o.metric);
    if (o.direction !== natural) ctx.addIssue({ code: "custom", path: [...path, "direction"], message: `${o.metric} should be ${natural}d` });
  };
  if (s.objective) check(s.objective, ["objective"]);
  if (!s.objectives) {
    if (!s.objective) ctx.addIssue({ code: "custom", path: ["objective"], message: "required (or a list in `objectives`)" });
    return;
  }
  s.objectives.forEach((o, i) => {
    check(o, ["objectives", i]);
    if (s.objectives!.findIndex((x) => x.metric === o.metric) !== i) ctx.addIssue({ code: "custom", path: ["objectives", i, "metric"], message: `${o.metric} is listed twice` });
  });
  const primary = s.objectives.find((o) => o.metric !== "params");
  if (!primary) ctx.addIssue({ code: "custom", path: ["objectives"], message: "needs a cross-validation metric (e.g. accuracy) besides params" });
  else if (s.objective && (s.objective.metric !== primary.metric || s.objective.direction !== primary.direction)) {
    ctx.addIssue({ code: "custom", path: ["objective"], message: `must be the first CV metric of objectives (${primary.metric}), or be left out` });
  }
}

/** The grid sampler enumerates: its space must be finite, and the budget must fit in it. */
function checkGrid(s: ParsedStudyFile, ctx: z.RefinementCtx): void {
  const isGrid = s.sampler === "grid" || (typeof s.sampler === "object" && "grid" in s.sampler);
  if (!isGrid || !s.space) return;
  let size: number;
  try {
    size = gridSize(normalizeSpace(s.space));
  } catch (err) {
    ctx.addIssue({ code: "custom", path: ["sampler"], message: `grid: ${(err as Error).message}` });
    return;
  }
  const sampled = (s.budget.trials ?? 0) - (s.trials?.length ?? 0);
  if (sampled > size) ctx.addIssue({ code: "custom", path: ["budget", "trials"], message: `the grid has ${size} points, fewer than the ${sampled} trials to sample` });
}

/** Input features and network outputs of a builtin dataset (for space.constraints); CSV widths are known only to workers. */
export function networkShape(file: Pick<StudyFile, "dataset">): { inputDim: number; outputDim: number } | undefined {
  const d = file.dataset;
  if (!("builtin" in d)) return undefined;
  switch (d.builtin) {
    case "fashion-mnist":
    case "mnist":
      return { inputDim: 784, outputDim: 10 };
    case "digits":
      return { inputDim: 64, outputDim: 10 };
    case "iris":
      return { inputDim: 4, outputDim: 3 };
    case "spirals":
      return { inputDim: 2, outputDim: d.classes ?? 3 };
    default:
      return { inputDim: 2, outputDim: 1 };
  }
}
export type SearchSpace = NonNullable<StudyFile["space"]>;

/** Rows of each file dataset (fashion-mnist: its train split; the test split has 10,000). */
const BUILTIN_FILE_ROWS: Record<string, number> = { "fashion-mnist": 60_000, mnist: 10_000, iris: 150, digits: 1797 };

/** Rows a trial trains on: exact for builtins; for a CSV file (known only to workers) `n`, else at least one per fold. */
function datasetRows(file: Pick<StudyFile, "dataset" | "cv">): number {
  const d = file.dataset;
  if (!("builtin" in d)) return d.n ?? file.cv.folds;
  const full = d.builtin === "fashion-mnist" && d.split === "test" ? 10_000 : BUILTIN_FILE_ROWS[d.builtin];
  return Math.min(d.n ?? full ?? 400, full ?? Number.POSITIVE_INFINITY);
}

const OUTPUT_FITS: Record<string, readonly string[]> = { binary: ["sigmoid"], multiclass: ["softmax", "softmax_km1"], regression: ["linear"] };

/** Enqueued trials against the budget, the space and the task; every issue names its path. */
function checkEnqueued(s: ParsedStudyFile, ctx: z.RefinementCtx): void {
  const list = s.trials ?? [];
  if (s.budget.trials === undefined && list.length === 0) {
    ctx.addIssue({ code: "custom", path: ["budget", "trials"], message: "required (unless trials are enqueued in `trials`)" });
  }
  if (s.budget.trials !== undefined && s.budget.trials < list.length) {
    ctx.addIssue({ code: "custom", path: ["budget", "trials"], message: `${s.budget.trials} is fewer than the ${list.length} enqueued trials` });
  }
  if (!s.space && (s.budget.trials ?? list.length) > list.length) {
    ctx.addIssue({ code: "custom", path: ["space"], message: "required: the budget has room for sampled trials beyond the enqueued ones" });
  }
  list.forEach((t, i) => {
    const p = t.params;
    const at = (field: string) => ["trials", i, "params", field];
    const depth = p.depth ?? p.widths?.length ?? p.activations?.length;
    if (p.widths && depth !== undefined && p.widths.length !== depth) ctx.addIssue({ code: "custom", path: at("widths"), message: `${p.widths.length} widths for depth ${depth}` });
    if (p.activations && depth !== undefined && p.activations.length !== depth) {
      ctx.addIssue({ code: "custom", path: at("activations"), message: `${p.activations.length} activations for depth ${depth}` });
    }
    if (p.activation && p.activations) ctx.addIssue({ code: "custom", path: at("activation"), message: "give activation or activations, not both" });
    if (p.output && !OUTPUT_FITS[s.task]!.includes(p.output)) {
      ctx.addIssue({ code: "custom", path: at("output"), message: `${p.output} is not an output unit for a ${s.task} task (use ${OUTPUT_FITS[s.task]!.join(" or ")})` });
    }
    if (s.space) return;
    if (!p.widths) ctx.addIssue({ code: "custom", path: at("widths"), message: "required when the study has no space" });
    if (!p.activation && !p.activations) ctx.addIssue({ code: "custom", path: at("activations"), message: "activation or activations required when the study has no space" });
    for (const f of REQUIRED_WITHOUT_SPACE) if (p[f] === undefined) ctx.addIssue({ code: "custom", path: at(f), message: "required when the study has no space" });
  });
}

/**
 * A study's stored spec (validated when the study was created) with the fields added since the
 * first release filled in, so studies created by an older coordinator keep running.
 */
export function storedStudyFile(spec: unknown): StudyFile {
  const f = spec as Partial<StudyFile> & Pick<StudyFile, "objective" | "budget">;
  return { ...f, sampler: f.sampler ?? "random", pruner: f.pruner ?? "none", objectives: f.objectives ?? [f.objective] } as StudyFile;
}

/** Parses YAML or JSON text into a validated study; a bad file is an INVALID_ARGUMENT naming each bad field. */
export function parseStudyFile(text: string): StudyFile {
  checkStudyFileSize(text);
  checkStudyFileNestingText(text);
  let raw: unknown;
  try {
    // YAML is a superset of JSON. Warnings (e.g. an unknown tag) would go to process warnings, not to the user.
    raw = parseYaml(text, { logLevel: "error" });
  } catch (err) {
    throw new AppError("INVALID_ARGUMENT", `study file is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new AppError("INVALID_ARGUMENT", "study file must be a mapping of fields (name, dataset, task, space, …)");
  }
  checkStudyFileShape(raw);
  const r = studyFileSchema.safeParse(raw);
  if (!r.success) {
    const issues = flattenIssues(r.error.issues, []).map((i) => `${formatPath(i.path) || "(root)"}: ${i.message}`);
    throw new AppError("INVALID_ARGUMENT", `invalid study file: ${issues.join("; ")}`);
  }
  const trials = r.data.budget.trials ?? r.data.trials?.length ?? 0;
  const objectives = r.data.objectives ?? [r.data.objective!];
  const primary = r.data.objective ?? (objectives.find((o) => o.metric !== "params") as z.infer<typeof objective>);
  const file: StudyFile = { ...r.data, budget: { ...r.data.budget, trials }, objective: primary, objectives };
  checkStudyCompute(file, datasetRows(file), networkShape(file) ?? { inputDim: 1, outputDim: 1 });
  return file;
}
