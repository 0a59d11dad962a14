// The search-space language of a study file's `space` section: zod schemas that validate the
// user's syntax (backward compatible with the first release) and its normalization into SpaceDef.
import { z } from "zod";
import { AppError } from "@automl/common";
import type { Dim, LayerDim, SpaceDef } from "./types";

/** Hidden units of the engine (the seed's design), and its output units. */
export const ACTIVATIONS = ["relu", "leaky_relu", "abs", "prelu", "maxout", "sigmoid", "tanh"] as const;
export const OUTPUTS = ["sigmoid", "softmax", "softmax_km1", "linear"] as const;

const intRange = z.strictObject({
  int: z.tuple([z.number().int(), z.number().int()]),
  log: z.boolean().default(false),
  step: z.number().int().positive().optional(),
});
const floatRange = z.strictObject({
  float: z.tuple([z.number(), z.number()]),
  log: z.boolean().default(false),
  step: z.number().positive().optional(),
});

type RangeInput = { int?: [number, number]; float?: [number, number]; log: boolean; step?: number };

function rangeChecked<T extends z.ZodType<RangeInput>>(schema: T, min: number, max: number) {
  return schema.superRefine((v, ctx) => {
    const key = "int" in v && v.int ? "int" : "float";
    const [lo, hi] = (v.int ?? v.float)!;
    if (lo > hi) ctx.addIssue({ code: "custom", path: [key], message: `lower bound ${lo} is above upper bound ${hi}` });
    if (lo < min || hi > max) ctx.addIssue({ code: "custom", path: [key], message: `must lie within [${min}, ${max}]` });
    if (v.log && lo <= 0) ctx.addIssue({ code: "custom", path: [key], message: "a log-scaled range must be positive" });
    if (v.log && v.step !== undefined) ctx.addIssue({ code: "custom", path: ["step"], message: "step and log cannot be combined (use a choice list for log-spaced values)" });
  });
}

const intDim = (min: number, max: number) =>
  z.union([
    z.number().int().min(min).max(max),
    rangeChecked(intRange, min, max),
    z.strictObject({ choice: z.array(z.number().int().min(min).max(max)).min(1) }),
  ]);
const floatDim = (min: number, max: number) =>
  z.union([
    z.number().min(min).max(max),
    rangeChecked(floatRange, min, max),
    z.strictObject({ choice: z.array(z.number().min(min).max(max)).min(1) }),
  ]);

const widthDim = z.union([
  z.number().int().min(1).max(4096),
  // perLayer: one draw per active layer (the default for widths), else one for all layers.
  rangeChecked(intRange.extend({ perLayer: z.boolean().default(true) }), 1, 4096),
  z.strictObject({ choice: z.array(z.number().int().min(1).max(4096)).min(1), perLayer: z.boolean().default(true) }),
]);
const activationDim = z.union([
  z.enum(ACTIVATIONS),
  z.strictObject({ choice: z.array(z.enum(ACTIVATIONS)).min(1), perLayer: z.boolean().default(false) }),
]);
const outputDim = z.union([z.enum(OUTPUTS), z.strictObject({ choice: z.array(z.enum(OUTPUTS)).min(1) })]);

const constraints = z.strictObject({
  maxParams: z.number().int().positive().optional(),
  maxFlops: z.number().positive().optional(),
});

/**
 * The `space` section as users write it. Every dimension is a fixed value, `{ int: [a, b], log?,
 * step? }`, `{ float: [a, b], log?, step? }` or `{ choice: [...] }` within the bounds below.
 * Parsing keeps the user's shape (with defaults filled); `normalizeSpace` turns it into SpaceDef.
 */
export const spaceInputSchema = z.strictObject({
  depth: intDim(1, 16),
  width: widthDim,
  activation: activationDim.default("relu"),
  // Generous bounds: a diverging configuration is a result (DIVERGED), not bad input.
  learningRate: z.union([
    z.number().positive().max(1e6),
    rangeChecked(floatRange, 1e-8, 1e6),
    z.strictObject({ choice: z.array(z.number().positive().max(1e6)).min(1) }),
  ]),
  batchSize: intDim(1, 65536),
  epochs: intDim(1, 10_000),
  output: outputDim.optional(),
  leakyAlpha: floatDim(0, 1).default(0.01),
  maxoutPieces: intDim(2, 16).default(2),
  momentum: floatDim(0, 0.999).default(0),
  weightDecay: floatDim(0, 1).default(0),
  constraints: constraints.optional(),
});

export type SpaceInput = z.infer<typeof spaceInputSchema>;

type DimInput = number | string | { int: [number, number]; log: boolean; step?: number } | { float: [number, number]; log: boolean; step?: number } | { choice: readonly (number | string)[] };

/** One dimension in the user's syntax → Dim. */
export function normalizeDim(d: DimInput): Dim {
  if (typeof d === "number" || typeof d === "string") return { kind: "fixed", value: d };
  if ("choice" in d) return { kind: "choice", choices: [...d.choice] };
  if ("int" in d) return { kind: "int", low: d.int[0], high: d.int[1], log: d.log, ...(d.step !== undefined ? { step: d.step } : {}) };
  return { kind: "float", low: d.float[0], high: d.float[1], log: d.log, ...(d.step !== undefined ? { step: d.step } : {}) };
}

function layerDim(d: DimInput & { perLayer?: boolean }, perLayerDefault: boolean): LayerDim {
  const perLayer = typeof d === "object" ? (d.perLayer ?? perLayerDefault) : false;
  if (typeof d === "object") {
    const { perLayer: _omit, ...rest } = d;
    return { dim: normalizeDim(rest as DimInput), perLayer };
  }
  return { dim: normalizeDim(d), perLayer };
}

export function normalizeSpace(s: SpaceInput): SpaceDef {
  return {
    depth: normalizeDim(s.depth),
    width: layerDim(s.width, true),
    activation: layerDim(s.activation, false),
    ...(s.output !== undefined ? { output: normalizeDim(s.output) } : {}),
    leakyAlpha: normalizeDim(s.leakyAlpha),
    maxoutPieces: normalizeDim(s.maxoutPieces),
    learningRate: normalizeDim(s.learningRate),
    momentum: normalizeDim(s.momentum),
    weightDecay: normalizeDim(s.weightDecay),
    batchSize: normalizeDim(s.batchSize),
    epochs: normalizeDim(s.epochs),
    constraints: { ...(s.constraints ?? {}) },
  };
}

/** The `space` section schema that yields SpaceDef directly. */
export const spaceSchema = spaceInputSchema.transform(normalizeSpace);

/** `space.depth.int` / `space.activation.choice[2]`: the path the way a user reads their file. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), "");
}

type Issue = z.core.$ZodIssue;

/**
 * A union ("a number or a range") fails with one list of issues per alternative. Report the
 * alternative whose shape matched the input, with full paths, rather than "invalid input".
 */
export function flattenIssues(issues: readonly Issue[], prefix: PropertyKey[] = []): { path: PropertyKey[]; message: string }[] {
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

/** Validates a raw `space` section; errors are INVALID_ARGUMENT naming each path (`space.width.int: …`). */
export function parseSpace(raw: unknown): SpaceDef {
  const r = spaceSchema.safeParse(raw);
  if (!r.success) {
    const issues = flattenIssues(r.error.issues, ["space"]).map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new AppError("INVALID_ARGUMENT", `invalid search space: ${issues.join("; ")}`);
  }
  return r.data;
}

/** The deepest network the space can produce. */
export function maxDepth(space: SpaceDef): number {
  const d = space.depth;
  switch (d.kind) {
    case "fixed":
      return d.value as number;
    case "choice":
      return Math.max(...(d.choices as number[]));
    default:
      return d.high;
  }
}
