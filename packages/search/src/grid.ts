// The grid sampler: every combination of the space's values, each once. Conditional per-layer
// dims make it a union of one product per depth (a depth-1 network has no second width), so the
// size is Σ over depths of the product of the dims present at that depth. Trial n gets point
// π(n) of a seeded permutation of the grid (an affine map mod size), so a budget smaller than
// the grid still spreads over it; the n-th suggestion depends only on (space, seed, n).
import { AppError, createRng } from "@automl/common";
import { constraintViolation } from "./network";
import { assembleParams, stepCount, stepValue } from "./draw";
import type { Dim, Params, Sampler, Scalar, SpaceDef, SuggestContext } from "./types";

const SPACE_FIELDS = ["depth", "width", "activation", "output", "leakyAlpha", "maxoutPieces", "learningRate", "momentum", "weightDecay", "batchSize", "epochs"] as const;

/** The finite list of values of a dimension; throws naming `path` for an infinite one. */
export function gridValues(dim: Dim, path: string): Scalar[] {
  switch (dim.kind) {
    case "fixed":
      return [dim.value];
    case "choice":
      return [...dim.choices];
    case "int": {
      const step = dim.step ?? 1;
      return Array.from({ length: stepCount(dim.low, dim.high, step) }, (_, k) => stepValue(dim.low, step, k));
    }
    case "float":
      if (dim.step === undefined) {
        if (dim.low === dim.high) return [dim.low];
        throw new AppError("INVALID_ARGUMENT", `${path}: a float range has infinitely many values, so the grid sampler cannot enumerate it; give it a step ({ float: [a, b], step: s }) or a choice list`);
      }
      return Array.from({ length: stepCount(dim.low, dim.high, dim.step) }, (_, k) => stepValue(dim.low, dim.step!, k));
  }
}

interface GridPlan {
  values: Map<string, Scalar[]>;
  /** Per depth value: its block of points. */
  blocks: { depth: number; size: number }[];
  size: number;
}

function plan(space: SpaceDef): GridPlan {
  const values = new Map<string, Scalar[]>();
  for (const f of SPACE_FIELDS) {
    const d = space[f];
    if (d === undefined) continue;
    values.set(f, gridValues("dim" in d ? d.dim : d, `space.${f}`));
  }
  const perDepth = (name: string, perLayer: boolean, depth: number) => values.get(name)!.length ** (perLayer ? depth : 1);
  let others = 1;
  for (const f of SPACE_FIELDS) if (f !== "depth" && f !== "width" && f !== "activation" && values.has(f)) others *= values.get(f)!.length;
  const blocks = (values.get("depth") as number[]).map((depth) => ({
    depth,
    size: others * perDepth("width", space.width.perLayer, depth) * perDepth("activation", space.activation.perLayer, depth),
  }));
  const size = blocks.reduce((a, b) => a + b.size, 0);
  if (!Number.isSafeInteger(size)) throw new AppError("INVALID_ARGUMENT", `space: the grid has about ${size.toExponential(2)} points, more than can be enumerated; use choice lists or steps`);
  return { values, blocks, size };
}

/** Number of points of the grid over `space` (before constraints); throws for an infinite grid. */
export function gridSize(space: SpaceDef): number {
  return plan(space).size;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** A seeded bijection of [0, size): i ↦ (a·i + b) mod size with gcd(a, size) = 1. */
export function gridPermutation(seed: number, size: number): (i: number) => number {
  if (size <= 1) return (i) => i;
  const rng = createRng(seed).fork(0x67726964); // "grid"
  const n = BigInt(size);
  let a = BigInt(1 + Math.floor(rng.next() * (size - 1)));
  while (gcd(a, n) !== 1n) a = (a % n) + 1n;
  const b = BigInt(Math.floor(rng.next() * size));
  return (i) => Number((a * BigInt(i) + b) % n);
}

/** Point `index` (0 ≤ index < size) of the unpermuted grid. */
function pointAt(space: SpaceDef, p: GridPlan, index: number): Params {
  let rest = index;
  let block = p.blocks[0]!;
  for (const b of p.blocks) {
    block = b;
    if (rest < b.size) break;
    rest -= b.size;
  }
  return assembleParams(space, (name) => {
    if (name === "depth") return block.depth;
    const key = name === "widths" ? "width" : name === "activations" ? "activation" : name;
    const vs = p.values.get(key)!;
    const v = vs[rest % vs.length]!;
    rest = Math.floor(rest / vs.length);
    return v;
  });
}

export class GridSampler implements Sampler {
  readonly name = "grid";

  /** Points in the grid (before constraints). */
  size(space: SpaceDef): number {
    return gridSize(space);
  }

  suggest(ctx: SuggestContext): Params {
    const p = plan(ctx.space);
    const perm = gridPermutation(ctx.seed, p.size);
    const constrained = ctx.space.constraints.maxParams !== undefined || ctx.space.constraints.maxFlops !== undefined;
    if (!constrained) {
      if (ctx.number >= p.size) throw exhausted(p.size, ctx.number);
      return pointAt(ctx.space, p, perm(ctx.number));
    }
    // The n-th point, in permuted order, that meets the constraints. The scan is remembered per
    // (space, seed, network): a memo of a pure function, so suggestions stay pure.
    const key = JSON.stringify([ctx.space, ctx.seed, ctx.network]);
    if (this.memo?.key !== key) this.memo = { key, fitting: [], scanned: 0 };
    const m = this.memo;
    while (m.fitting.length <= ctx.number && m.scanned < p.size) {
      const index = perm(m.scanned++);
      if (constraintViolation(ctx.space, pointAt(ctx.space, p, index), ctx.network) === undefined) m.fitting.push(index);
    }
    const index = m.fitting[ctx.number];
    if (index === undefined) throw exhausted(m.fitting.length, ctx.number);
    return pointAt(ctx.space, p, index);
  }

  private memo?: { key: string; fitting: number[]; scanned: number };
}

function exhausted(size: number, number: number): AppError {
  return new AppError("FAILED_PRECONDITION", `grid exhausted: it has ${size} points (within the constraints), so trial number ${number} has none; set budget.trials to at most ${size}`);
}
