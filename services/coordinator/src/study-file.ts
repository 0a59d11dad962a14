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

/** Hidden units the engine implements today. */
export const ACTIVATIONS = ["relu", "sigmoid", "tanh"] as const;

const depthDim = z.union([z.number().int().min(1).max(16), rangeChecked(intRange, 1, 16)]);
const widthDim = z.union([
  z.number().int().min(1).max(4096),
  rangeChecked(
    intRange.extend({ perLayer: z.boolean().default(true) }),
    1,
    4096,
  ),
]);
const activationDim = z.union([z.enum(ACTIVATIONS), z.strictObject({ choice: z.array(z.enum(ACTIVATIONS)).min(1) })]);
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
});

const dataset = z.strictObject({
  builtin: z.enum(["xor", "moons", "circles", "spirals"]),
  n: z.number().int().min(10).max(1_000_000).default(400),
  noise: z.number().min(0).max(10).default(0.1),
  classes: z.number().int().min(2).max(100).optional(),
});

const METRICS = {
  binary: ["accuracy", "logloss"],
  multiclass: ["accuracy", "logloss"],
  regression: ["mse", "r2"],
} as const;

export const studyFileSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    dataset,
    task: z.enum(["binary", "multiclass", "regression"]),
    space,
    cv: z.strictObject({ folds: z.number().int().min(2).max(50).default(5), stratified: z.boolean().default(true) }).default({ folds: 5, stratified: true }),
    objective: z.strictObject({ metric: z.enum(["accuracy", "logloss", "mse", "r2"]), direction: z.enum(["maximize", "minimize"]) }),
    sampler: z.enum(["random"]).default("random"),
    budget: z.strictObject({ trials: z.number().int().min(1).max(100_000), parallel: z.number().int().min(1).max(1024).default(1) }),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    pool: z.string().regex(/^[a-z0-9-]+$/).default("cpu"),
  })
  .superRefine((s, ctx) => {
    const allowed: readonly string[] = METRICS[s.task];
    if (!allowed.includes(s.objective.metric)) {
      ctx.addIssue({ code: "custom", path: ["objective", "metric"], message: `${s.objective.metric} does not apply to a ${s.task} task (use ${allowed.join(" or ")})` });
    }
    const natural = s.objective.metric === "accuracy" || s.objective.metric === "r2" ? "maximize" : "minimize";
    if (s.objective.direction !== natural) {
      ctx.addIssue({ code: "custom", path: ["objective", "direction"], message: `${s.objective.metric} should be ${natural}d` });
    }
    const spirals = s.dataset.builtin === "spirals";
    if (spirals && s.task !== "multiclass") ctx.addIssue({ code: "custom", path: ["task"], message: "the spirals dataset is multiclass" });
    if (!spirals && s.task !== "binary") ctx.addIssue({ code: "custom", path: ["task"], message: `the ${s.dataset.builtin} dataset is binary` });
    if (s.cv.folds > s.dataset.n) ctx.addIssue({ code: "custom", path: ["cv", "folds"], message: `more folds than examples (${s.dataset.n})` });
  });

export type StudyFile = z.infer<typeof studyFileSchema>;
export type SearchSpace = StudyFile["space"];

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
  return r.data;
}
