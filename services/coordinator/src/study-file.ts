import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError } from "@automl/common";

// A search dimension: an integer range, a float range, a list of choices, or a fixed value.
const intRange = z.strictObject({
  int: z.tuple([z.number().int(), z.number().int()]),
  log: z.boolean().default(false),
});
const floatRange = z.strictObject({
  float: z.tuple([z.number(), z.number()]),
  log: z.boolean().default(false),
});

function rangeChecked<T extends z.ZodType<{ int?: [number, number]; float?: [number, number]; log: boolean }>>(schema: T, min: number, max: number) {
  return schema.superRefine((v, ctx) => {
    const key = "int" in v && v.int ? "int" : "float";
    const [lo, hi] = (v.int ?? v.float)!;
    if (lo > hi) ctx.addIssue({ code: "custom", path: [key], message: `lower bound ${lo} is above upper bound ${hi}` });
    if (lo < min || hi > max) ctx.addIssue({ code: "custom", path: [key], message: `must lie within [${min}, ${max}]` });
    if (v.log && lo <= 0) ctx.addIssue({ code: "custom", path: [key], message: "a log-scaled range must be positive" });
  });
}

/** Hidden units of the engine (the seed's design), and its output units. */
export const ACTIVATIONS = ["relu", "leaky_relu", "abs", "prelu", "maxout", "sigmoid", "tanh"] as const;
export const OUTPUTS = ["sigmoid", "softmax", "softmax_km1", "linear"] as const;

const depthDim = z.union([z.number().int().min(1).max(16), rangeChecked(intRange, 1, 16)]);
const widthDim = z.union([
  z.number().int().min(1).max(4096),
  rangeChecked(
    intRange.extend({ perLayer: z.boolean().default(true) }),
    1,
    4096,
  ),
]);
// perLayer: one draw per active layer (the wiring an ablation varies), else one for all layers.
const activationDim = z.union([
  z.enum(ACTIVATIONS),
  z.strictObject({ choice: z.array(z.enum(ACTIVATIONS)).min(1), perLayer: z.boolean().default(false) }),
]);
const outputDim = z.union([z.enum(OUTPUTS), z.strictObject({ choice: z.array(z.enum(OUTPUTS)).min(1) })]);
const unitFloat = (min: number, max: number) => z.union([z.number().min(min).max(max), rangeChecked(floatRange, min, max)]);
// Generous bounds: a diverging configuration is a result (DIVERGED), not bad input.
const learningRateDim = z.union([z.number().positive().max(1e6), rangeChecked(floatRange, 1e-8, 1e6)]);
const batchSizeDim = z.union([
  z.number().int().min(1).max(65536),
  z.strictObject({ choice: z.array(z.number().int().min(1).max(65536)).min(1) }),
]);
const epochsDim = z.union([z.number().int().min(1).max(10_000), rangeChecked(intRange, 1, 10_000)]);

const space = z.strictObject({
  depth: depthDim,
  width: widthDim,
  activation: activationDim.default("relu"),
  learningRate: learningRateDim,
  batchSize: batchSizeDim,
  epochs: epochsDim,
  output: outputDim.optional(),
  leakyAlpha: unitFloat(0, 1).default(0.01),
  maxoutPieces: z.union([z.number().int().min(2).max(16), rangeChecked(intRange, 2, 16)]).default(2),
  momentum: unitFloat(0, 0.999).default(0),
  weightDecay: unitFloat(0, 1).default(0),
});

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
    cv: z.strictObject({ folds: z.number().int().min(2).max(50).default(5), stratified: z.boolean().default(true) }).default({ folds: 5, stratified: true }),
    objective: z.strictObject({ metric: z.enum(["accuracy", "logloss", "f1", "auc", "mse", "r2"]), direction: z.enum(["maximize", "minimize"]) }),
    sampler: z.enum(["random"]).default("random"),
    /** `trials` defaults to the number of enqueued trials. */
    budget: z.strictObject({ trials: z.number().int().min(1).max(100_000).optional(), parallel: z.number().int().min(1).max(1024).default(1) }).default({ parallel: 1 }),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    pool: z.string().regex(/^[a-z0-9-]+$/).default("cpu"),
    training: training.default({ init: "auto", schedule: { type: "constant" } }),
    /** Configurations dispatched in order, as trials 0, 1, …, before the sampler proposes any. */
    trials: z.array(enqueuedTrial).min(1).max(10_000).optional(),
  })
  .superRefine((s, ctx) => {
    checkEnqueued(s, ctx);
    const allowed: readonly string[] = METRICS[s.task];
    if (!allowed.includes(s.objective.metric)) {
      ctx.addIssue({ code: "custom", path: ["objective", "metric"], message: `${s.objective.metric} does not apply to a ${s.task} task (use ${allowed.join(" or ")})` });
    }
    const natural = s.objective.metric === "logloss" || s.objective.metric === "mse" ? "minimize" : "maximize";
    if (s.objective.direction !== natural) {
      ctx.addIssue({ code: "custom", path: ["objective", "direction"], message: `${s.objective.metric} should be ${natural}d` });
    }
    const d = s.dataset;
    if ("builtin" in d) {
      const task = BUILTIN_TASKS[d.builtin];
      if (s.task !== task) ctx.addIssue({ code: "custom", path: ["task"], message: `the ${d.builtin} dataset is ${task}` });
      if (SYNTHETIC.has(d.builtin) && d.n === undefined) d.n = 400;
      if (d.n !== undefined && s.cv.folds > d.n) ctx.addIssue({ code: "custom", path: ["cv", "folds"], message: `more folds than examples (${d.n})` });
    } else if (!d.path === !d.contentHash) {
      ctx.addIssue({ code: "custom", path: ["dataset"], message: "give exactly one of builtin, path or contentHash" });
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
/** A validated study: `budget.trials` is always set (the enqueued count when omitted). */
export type StudyFile = ParsedStudyFile & { budget: ParsedStudyFile["budget"] & { trials: number } };
export type SearchSpace = NonNullable<StudyFile["space"]>;

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

/** `space.depth.int` / `space.activation.choice[2]`: the path the way a user reads their file. */
function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
}

type Issue = z.core.$ZodIssue;

/**
 * A union (e.g. "a number or a range") fails with one list of issues per alternative. Report the
 * alternative whose shape matched the input (no type mismatch at its root), with full paths, so
 * the user reads `space.activation.choice[1]: …` rather than "invalid input".
 */
function flattenIssues(issues: readonly Issue[], prefix: PropertyKey[]): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((i) => {
    const path = [...prefix, ...i.path];
    if (i.code === "invalid_union" && i.errors.length > 0) {
      const shapeMatched = i.errors.filter((branch) => !branch.some((b) => b.path.length === 0 && (b.code === "invalid_type" || b.code === "invalid_value")));
      const best = shapeMatched.length === 1 ? shapeMatched[0]! : undefined;
      if (best) return flattenIssues(best, path);
      const expected = i.errors.flatMap((b) => b.filter((x) => x.path.length === 0).map((x) => x.message.replace(/^Invalid input: /, "")));
      return [{ path, message: `invalid value; ${[...new Set(expected)].join(", or ")}` }];
    }
    return [{ path, message: i.message }];
  });
}

/** Parses YAML or JSON text into a validated study; a bad file is an INVALID_ARGUMENT naming each bad field. */
export function parseStudyFile(text: string): StudyFile {
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON
  } catch (err) {
    throw new AppError("INVALID_ARGUMENT", `study file is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new AppError("INVALID_ARGUMENT", "study file must be a mapping of fields (name, dataset, task, space, …)");
  }
  const r = studyFileSchema.safeParse(raw);
  if (!r.success) {
    const issues = flattenIssues(r.error.issues, []).map((i) => `${formatPath(i.path) || "(root)"}: ${i.message}`);
    throw new AppError("INVALID_ARGUMENT", `invalid study file: ${issues.join("; ")}`);
  }
  const trials = r.data.budget.trials ?? r.data.trials?.length ?? 0;
  return { ...r.data, budget: { ...r.data.budget, trials } };
}
