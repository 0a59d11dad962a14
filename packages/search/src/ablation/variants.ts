// One-factor-at-a-time variants of a base configuration for an ablation study: each differs from
// the base in exactly one factor, so (on the same folds and seeds) the paired score difference
// measures that factor alone. Pure; the shape of params is the coordinator's stored trial params.

/** Hidden units of the engine (the seed's design). */
export const HIDDEN_UNITS = ["relu", "leaky_relu", "abs", "prelu", "maxout", "sigmoid", "tanh"] as const;

/** The fields of a trial's params an ablation varies; every other field is carried unchanged. */
export interface AblationParams {
  depth: number;
  widths: number[];
  /** One per hidden layer. */
  activations: string[];
  /** "" = the task's default output unit. */
  output: string;
  [other: string]: unknown;
}

export type AblationFactor = "activation" | "depth" | "width" | "output";

export interface AblationVariant {
  factor: AblationFactor;
  /** Short, stable name of the change, e.g. `tanh`, `+1`, `×2`, `softmax_km1`. */
  variant: string;
  params: AblationParams;
}

export interface SkippedVariant {
  factor: AblationFactor;
  variant: string;
  reason: string;
}

export interface AblationPlanOptions {
  task: "binary" | "multiclass" | "regression";
  /** Hidden units to try instead of the base's; default all seven of the engine. */
  activations?: readonly string[];
  /** Limits of the study file's schema, so every variant is a valid study-file entry. */
  maxDepth?: number;
  maxWidth?: number;
}

export interface AblationPlan {
  variants: AblationVariant[];
  skipped: SkippedVariant[];
}

const uniformUnit = (acts: readonly string[]) => (new Set(acts).size === 1 ? acts[0]! : undefined);

function withChanges(base: AblationParams, changes: Partial<AblationParams>): AblationParams {
  const copy: AblationParams = { ...base, widths: [...base.widths], activations: [...base.activations], ...changes };
  // A variant is its own configuration: it must not inherit the base's label.
  delete copy.label;
  return copy;
}

/** The task's default output unit, which an empty `output` stands for. */
function outputOf(task: AblationPlanOptions["task"], output: string): string {
  if (output) return output;
  return task === "binary" ? "sigmoid" : task === "multiclass" ? "softmax" : "linear";
}

/**
 * The variants of `base`, in a fixed order (activation, depth, width, output), and the ones that
 * cannot be built with the reason:
 * - activation: every other hidden unit, on all layers;
 * - depth ±1: −1 drops the last hidden layer, +1 repeats the last layer (width and unit), so
 *   the widths stay within the base's;
 * - width ×2 and ÷2 on every layer (rounded, at least 1);
 * - output: softmax ↔ softmax_km1 (K vs K − 1 logits) for multiclass. A binary task's sigmoid
 *   output already is the K − 1 = 1 form of a 2-class softmax, and regression has one unit.
 */
export function ablationVariants(base: AblationParams, opts: AblationPlanOptions): AblationPlan {
  const maxDepth = opts.maxDepth ?? 16;
  const maxWidth = opts.maxWidth ?? 4096;
  if (base.depth !== base.widths.length || base.depth !== base.activations.length) {
    throw new RangeError(`base params: depth ${base.depth} but ${base.widths.length} widths and ${base.activations.length} activations`);
  }
  const variants: AblationVariant[] = [];
  const skipped: SkippedVariant[] = [];

  const unit = uniformUnit(base.activations);
  for (const act of opts.activations ?? HIDDEN_UNITS) {
    if (act === unit) continue;
    variants.push({ factor: "activation", variant: act, params: withChanges(base, { activations: base.activations.map(() => act) }) });
  }

  if (base.depth <= 1) skipped.push({ factor: "depth", variant: "-1", reason: "the base has one hidden layer; a network needs at least one" });
  else variants.push({ factor: "depth", variant: "-1", params: withChanges(base, { depth: base.depth - 1, widths: base.widths.slice(0, -1), activations: base.activations.slice(0, -1) }) });
  if (base.depth >= maxDepth) skipped.push({ factor: "depth", variant: "+1", reason: `the base already has the most hidden layers allowed (${maxDepth})` });
  else {
    variants.push({
      factor: "depth",
      variant: "+1",
      params: withChanges(base, { depth: base.depth + 1, widths: [...base.widths, base.widths.at(-1)!], activations: [...base.activations, base.activations.at(-1)!] }),
    });
  }

  const doubled = base.widths.map((w) => Math.min(maxWidth, w * 2));
  if (doubled.every((w, i) => w === base.widths[i])) skipped.push({ factor: "width", variant: "×2", reason: `every layer is already at the widest allowed (${maxWidth})` });
  else variants.push({ factor: "width", variant: "×2", params: withChanges(base, { widths: doubled }) });
  const halved = base.widths.map((w) => Math.max(1, Math.round(w / 2)));
  if (halved.every((w, i) => w === base.widths[i])) skipped.push({ factor: "width", variant: "÷2", reason: "every layer has width 1" });
  else variants.push({ factor: "width", variant: "÷2", params: withChanges(base, { widths: halved }) });

  const out = outputOf(opts.task, base.output);
  if (opts.task === "multiclass") {
    const other = out === "softmax_km1" ? "softmax" : "softmax_km1";
    variants.push({ factor: "output", variant: other, params: withChanges(base, { output: other }) });
  } else {
    skipped.push({
      factor: "output",
      variant: "K−1",
      reason: opts.task === "binary" ? "a binary task's sigmoid output already is the K−1 (one-logit) encoding" : "regression has a single linear output",
    });
  }
  return { variants, skipped };
}
