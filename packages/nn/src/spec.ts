// Validation of an MlpSpec and its resolution into per-layer plans: which unit each hidden
// layer uses, how many columns its W has (k per unit for maxout), whether it carries PReLU
// slopes, and the output unit with its logit width. The model, the parameter count and the
// diagnostics all read the same plan, so they cannot disagree about the layout.

import { ACTIVATIONS, DEFAULT_LEAKY_ALPHA, type Activation } from "./kernels/activations";
import { defaultOutputUnit, logitWidth, OUTPUT_UNITS, outputUnitsFor, type OutputUnit } from "./output-units";
import { NnConfigError, TASKS, type MlpSpec } from "./types";

// Bounds that catch typos (width 1e9) before they allocate gigabytes.
export const MAX_WIDTH = 1 << 16;
export const MAX_DEPTH = 64;
export const DEFAULT_MAXOUT_PIECES = 2;
export const MAX_MAXOUT_PIECES = 16;
/** PReLU slopes start here (He et al. 2015). */
export const PRELU_ALPHA_INIT = 0.25;

export interface LayerPlan {
  /** 1-based, as in the parameter names W{l}, b{l}, alpha{l}. */
  layer: number;
  Din: number;
  /** Values the layer passes on: hidden units, or for the last layer its logits. */
  units: number;
  /** Columns of W and length of b: units × pieces. */
  width: number;
  /** The hidden unit; null for the last (output) layer. */
  act: Activation | null;
  /** k for a maxout layer, else 1. */
  pieces: number;
}

function isPositiveInt(x: unknown, max: number): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= max;
}

export function validateMlpSpec(spec: MlpSpec): void {
  if (spec === null || typeof spec !== "object") throw new NnConfigError("spec", "must be an object");
  if (!isPositiveInt(spec.inputDim, MAX_WIDTH)) {
    throw new NnConfigError("spec.inputDim", `must be an integer in [1, ${MAX_WIDTH}], got ${String(spec.inputDim)}`);
  }
  if (!Array.isArray(spec.hidden) || spec.hidden.length > MAX_DEPTH) {
    throw new NnConfigError("spec.hidden", `must be an array of at most ${MAX_DEPTH} widths`);
  }
  spec.hidden.forEach((w, i) => {
    if (!isPositiveInt(w, MAX_WIDTH)) {
      throw new NnConfigError(`spec.hidden[${i}]`, `must be an integer in [1, ${MAX_WIDTH}], got ${String(w)}`);
    }
  });
  const acts: readonly unknown[] = Array.isArray(spec.activation) ? spec.activation : [spec.activation];
  if (Array.isArray(spec.activation) && spec.activation.length !== spec.hidden.length) {
    throw new NnConfigError(
      "spec.activation",
      `a per-layer list needs one unit per hidden layer (${spec.hidden.length}), got ${spec.activation.length}`,
    );
  }
  acts.forEach((a, i) => {
    if (!ACTIVATIONS.includes(a as Activation)) {
      const field = Array.isArray(spec.activation) ? `spec.activation[${i}]` : "spec.activation";
      throw new NnConfigError(field, `must be one of ${ACTIVATIONS.join(", ")}, got ${JSON.stringify(a)}`);
    }
  });
  if (!TASKS.includes(spec.task)) {
    throw new NnConfigError("spec.task", `must be one of ${TASKS.join(", ")}, got ${JSON.stringify(spec.task)}`);
  }
  const okOut =
    spec.task === "binary"
      ? spec.outputDim === 1
      : spec.task === "multiclass"
        ? isPositiveInt(spec.outputDim, MAX_WIDTH) && spec.outputDim >= 2
        : isPositiveInt(spec.outputDim, MAX_WIDTH);
  if (!okOut) {
    const want = spec.task === "binary" ? "1" : spec.task === "multiclass" ? "the class count K ≥ 2" : "an integer ≥ 1";
    throw new NnConfigError("spec.outputDim", `must be ${want} for task ${spec.task}, got ${String(spec.outputDim)}`);
  }
  if (spec.output !== undefined) {
    if (!OUTPUT_UNITS.includes(spec.output)) {
      throw new NnConfigError("spec.output", `must be one of ${OUTPUT_UNITS.join(", ")}, got ${JSON.stringify(spec.output)}`);
    }
    const fits = outputUnitsFor(spec.task);
    if (!fits.includes(spec.output)) {
      throw new NnConfigError(
        "spec.output",
        `${spec.output} does not fit task ${spec.task} (its labels need ${fits.join(" or ")})`,
      );
    }
  }
  if (spec.leakyAlpha !== undefined) {
    const a = spec.leakyAlpha;
    if (typeof a !== "number" || !Number.isFinite(a) || a < 0 || a >= 1) {
      throw new NnConfigError("spec.leakyAlpha", `must be a number in [0, 1), got ${String(a)}`);
    }
  }
  if (spec.maxoutPieces !== undefined) {
    const k = spec.maxoutPieces;
    if (!Number.isInteger(k) || k < 2 || k > MAX_MAXOUT_PIECES) {
      throw new NnConfigError("spec.maxoutPieces", `must be an integer in [2, ${MAX_MAXOUT_PIECES}], got ${String(k)}`);
    }
  }
}

/** The unit of every hidden layer, in order. */
export function hiddenActivations(spec: MlpSpec): Activation[] {
  const a = spec.activation;
  return typeof a === "string" ? spec.hidden.map(() => a) : [...a];
}

export function resolveOutputUnit(spec: MlpSpec): OutputUnit {
  return spec.output ?? defaultOutputUnit(spec.task);
}

export function resolveLeakyAlpha(spec: MlpSpec): number {
  return spec.leakyAlpha ?? DEFAULT_LEAKY_ALPHA;
}

export function resolveMaxoutPieces(spec: MlpSpec): number {
  return spec.maxoutPieces ?? DEFAULT_MAXOUT_PIECES;
}

/** One plan per weight layer, input to output. Assumes a validated spec. */
export function planLayers(spec: MlpSpec): LayerPlan[] {
  const acts = hiddenActivations(spec);
  const k = resolveMaxoutPieces(spec);
  // (Tolerates an unvalidated spec: mlpParamCount has always been callable on anything.)
  const plans: LayerPlan[] = [];
  let Din = spec.inputDim;
  spec.hidden.forEach((units, i) => {
    const act = acts[i]!;
    const pieces = act === "maxout" ? k : 1;
    plans.push({ layer: i + 1, Din, units, width: units * pieces, act, pieces });
    Din = units;
  });
  const outWidth = logitWidth(resolveOutputUnit(spec), spec.outputDim);
  plans.push({ layer: spec.hidden.length + 1, Din, units: outWidth, width: outWidth, act: null, pieces: 1 });
  return plans;
}

/** Trainable parameters of `spec`: weights, biases and PReLU slopes. Does not validate `spec`. */
export function mlpParamCount(spec: MlpSpec): number {
  let count = 0;
  for (const p of planLayers(spec)) {
    count += p.Din * p.width + p.width;
    if (p.act === "prelu") count += p.units;
  }
  return count;
}
