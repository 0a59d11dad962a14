// Multivariate TPE (Falkner et al. 2018; Optuna's multivariate=True, group=True): l(x) and g(x)
// are joint Parzen estimators, each kernel a product over the dimensions of one observed trial,
// so a candidate keeps the combination of values that made a trial good (learning rate WITH
// its momentum and batch size) instead of mixing values of different trials per dimension.
// - Conditional dims by grouping: the dims every configuration has (depth, layer 0, the scalars)
//   form one group; the per-layer dims of layer i ≥ the smallest depth form group i, modelled
//   from the trials that have layer i and drawn only when the suggested depth has it.
// - Bandwidth: Scott-like σ = 0.2·n^(−1/(d+4))·range per numeric dim (Optuna's multivariate rule),
//   clipped to [range/min(100, n+2), range]; the prior kernel (centre of the range, σ = range,
//   uniform over choices) weighs as much as a recent observation.
// - Split, pruned and running trials, several objectives, the cap on observations, constraints
//   and repeats: as the independent TpeSampler (tpe.ts), whose helpers this reuses.
import { createRng, type Rng } from "@automl/common";
import { firstSatisfying, sameParams } from "./constrained";
import { assembleParams, drawPrior } from "./draw";
import { normalCdf, recencyWeights } from "./parzen";
import { sampleRandom } from "./random";
import { maxDepth } from "./space";
import { DEFAULT_TPE_OPTIONS, getter, mostRecent, numericLine, splitTrials, type NumericLine, type TpeOptions } from "./tpe";
import type { Dim, Params, Sampler, Scalar, SuggestContext } from "./types";

export type MultivariateTpeOptions = TpeOptions;

export const DEFAULT_MULTIVARIATE_TPE_OPTIONS: MultivariateTpeOptions = { ...DEFAULT_TPE_OPTIONS };

const MTPE_STREAM = 0x6d747065; // "mtpe"
const MODEL_TRIES = 8;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

type Name = keyof Params;

/** One modelled dimension: where it lives in Params and how its values map to the model. */
export interface ModelDim {
  key: string;
  name: Name;
  layer: number | undefined;
  get: (p: Params) => Scalar | undefined;
  /** Numeric dims: the estimator's line. Categorical: the choice list. */
  line?: NumericLine;
  choices?: readonly Scalar[];
  group: number;
}

function minDepth(d: Dim): number {
  if (d.kind === "fixed") return d.value as number;
  if (d.kind === "choice") return Math.min(...(d.choices as number[]));
  return d.low;
}

/** The dims the model sees, in the order assembleParams asks for them, each with its group. */
export function modelDims(space: SuggestContext["space"]): ModelDim[] {
  const out: ModelDim[] = [];
  const add = (name: Name, dim: Dim, layer: number | undefined, group: number) => {
    if (dim.kind === "fixed" || (dim.kind !== "choice" && dim.low === dim.high)) return;
    const key = layer === undefined ? name : `${name}[${layer}]`;
    const base = { key, name, layer, get: getter(name, layer), group };
    out.push(dim.kind === "choice" ? { ...base, choices: dim.choices } : { ...base, line: numericLine(dim) });
  };
  add("depth", space.depth, undefined, 0);
  const always = minDepth(space.depth);
  const deepest = maxDepth(space);
  for (const [name, ld] of [["widths", space.width], ["activations", space.activation]] as const) {
    const layers = ld.perLayer ? deepest : 1;
    for (let i = 0; i < layers; i++) add(name, ld.dim, i, i < always ? 0 : i);
  }
  for (const name of ["learningRate", "batchSize", "epochs", "output", "leakyAlpha", "maxoutPieces", "momentum", "weightDecay"] as const) {
    const dim = name === "output" ? space.output : space[name];
    if (dim) add(name, dim, undefined, 0);
  }
  return out;
}

/**
 * A mixture of product kernels, one per observation plus the prior. Numeric coordinates on the
 * dims' lines (truncated normals), categorical ones as choice indices (a smoothed one-hot row).
 */
class JointParzen {
  private readonly k: number;
  private readonly logW: Float64Array;
  private readonly cumW: Float64Array;
  /** Per dim: kernel centres and widths (numeric) or per-kernel log-probability rows (categorical). */
  private readonly mus: Float64Array[] = [];
  private readonly sigmas: Float64Array[] = [];
  private readonly logNorm: Float64Array[] = [];
  private readonly logRows: Float64Array[] = [];

  constructor(
    private readonly dims: readonly ModelDim[],
    obs: readonly Float64Array[], // obs[d][i]
    n: number,
    priorWeight: number,
  ) {
    this.k = n + 1;
    const w = recencyWeights(n);
    const total = w.reduce((s, v) => s + v, 0) + priorWeight;
    this.logW = new Float64Array(this.k);
    this.cumW = new Float64Array(this.k);
    let cum = 0;
    for (let i = 0; i < this.k; i++) {
      const wi = (i < n ? w[i]! : priorWeight) / total;
      this.logW[i] = Math.log(wi);
      cum += wi;
      this.cumW[i] = cum;
    }
    const sigma0 = 0.2 * Math.max(n, 1) ** (-1 / (dims.length + 4));
    dims.forEach((d, j) => {
      if (d.line) {
        const { low, high } = d.line;
        const range = high - low;
        const mu = new Float64Array(this.k);
        const sg = new Float64Array(this.k);
        const ln = new Float64Array(this.k);
        const sigma = Math.min(range, Math.max(range / Math.min(100, n + 2), sigma0 * range));
        for (let i = 0; i < this.k; i++) {
          mu[i] = i < n ? obs[j]![i]! : (low + high) / 2;
          sg[i] = i < n ? sigma : range;
          const a = (low - mu[i]!) / sg[i]!;
          const b = (high - mu[i]!) / sg[i]!;
          ln[i] = -Math.log(sg[i]!) - LOG_SQRT_2PI - Math.log(Math.max(normalCdf(b) - normalCdf(a), 1e-12));
        }
        this.mus[j] = mu;
        this.sigmas[j] = sg;
        this.logNorm[j] = ln;
      } else {
        const c = d.choices!.length;
        // Optuna's rows: prior_weight/(n+1) on every choice plus 1 on the observed one; the prior row uniform.
        const rows = new Float64Array(this.k * c);
        const base = priorWeight / (n + 1);
        for (let i = 0; i < this.k; i++) {
          const norm = i < n ? 1 + c * base : 1;
          for (let q = 0; q < c; q++) rows[i * c + q] = Math.log((i < n ? base + (obs[j]![i] === q ? 1 : 0) : 1 / c) / norm);
        }
        this.logRows[j] = rows;
      }
    });
  }

  /** One draw into `out` (model coordinates). */
  sample(rng: Rng, out: Float64Array): void {
    const u = rng.next();
    let i = 0;
    while (i < this.k - 1 && this.cumW[i]! <= u) i++;
    this.dims.forEach((d, j) => {
      if (d.line) {
        const mu = this.mus[j]![i]!;
        const s = this.sigmas[j]![i]!;
        let x = mu;
        for (let t = 0; t < 100; t++) {
          const v = mu + s * rng.normal();
          if (v >= d.line.low && v <= d.line.high) {
            x = v;
            break;
          }
        }
        // Snap to the dim's grid (ints, steps) so the density is scored where the value lands.
        out[j] = d.line.to(d.line.from(x));
      } else {
        const c = d.choices!.length;
        let r = rng.next();
        let q = 0;
        for (; q < c - 1; q++) {
          r -= Math.exp(this.logRows[j]![i * c + q]!);
          if (r < 0) break;
        }
        out[j] = q;
      }
    });
  }

  logPdf(x: Float64Array): number {
    let max = -Infinity;
    const terms = new Float64Array(this.k);
    for (let i = 0; i < this.k; i++) {
      let l = this.logW[i]!;
      for (let j = 0; j < this.dims.length; j++) {
        const d = this.dims[j]!;
        if (d.line) {
          const z = (x[j]! - this.mus[j]![i]!) / this.sigmas[j]![i]!;
          l += this.logNorm[j]![i]! - 0.5 * z * z;
        } else l += this.logRows[j]![i * d.choices!.length + x[j]!]!;
      }
      terms[i] = l;
      if (l > max) max = l;
    }
    let sum = 0;
    for (let i = 0; i < this.k; i++) sum += Math.exp(terms[i]! - max);
    return max + Math.log(sum);
  }
}

/** Model coordinates of `ps` on `dims`; trials lacking any of the dims (or off the space) are left out. */
function coordinates(dims: readonly ModelDim[], ps: readonly Params[]): { obs: Float64Array[]; n: number } {
  const obs = dims.map(() => new Float64Array(ps.length));
  let n = 0;
  for (const p of ps) {
    const row: number[] = [];
    for (const d of dims) {
      const v = d.get(p);
      if (v === undefined) break;
      if (d.line) {
        if (typeof v !== "number" || !Number.isFinite(v)) break;
        const x = d.line.to(v);
        if (x < d.line.low || x > d.line.high) break;
        row.push(x);
      } else {
        const q = d.choices!.indexOf(v);
        if (q < 0) break;
        row.push(q);
      }
    }
    if (row.length !== dims.length) continue;
    row.forEach((x, j) => (obs[j]![n] = x));
    n++;
  }
  return { obs, n };
}

export class MultivariateTpeSampler implements Sampler {
  readonly name = "tpe-multivariate";
  readonly options: MultivariateTpeOptions;

  constructor(options: Partial<MultivariateTpeOptions> = {}) {
    this.options = { ...DEFAULT_MULTIVARIATE_TPE_OPTIONS, ...options };
  }

  suggest(ctx: SuggestContext): Params {
    const o = this.options;
    const { trials, directions } = ctx;
    if (directions.length === 0) throw new Error("TPE needs at least one objective direction");
    const split = splitTrials(trials, directions, o);
    if (split.finished < Math.max(1, o.startupTrials)) return sampleRandom(ctx);
    const bad = o.constantLiar ? [...split.bad, ...split.running] : split.bad;
    const goodTrials = mostRecent(split.numbers, split.good, Infinity).map((i) => trials[i]!.params);
    const badTrials = mostRecent(split.numbers, bad, o.maxObservations).map((i) => trials[i]!.params);
    const seen = [...goodTrials, ...badTrials, ...split.running.map((i) => trials[i]!.params)];

    const dims = modelDims(ctx.space);
    const groups = new Map<number, ModelDim[]>();
    for (const d of dims) groups.set(d.group, [...(groups.get(d.group) ?? []), d]);
    const models = new Map<number, { dims: ModelDim[]; l: JointParzen; g: JointParzen }>();
    const model = (group: number) => {
      let m = models.get(group);
      if (!m) {
        const gd = groups.get(group)!;
        const good = coordinates(gd, goodTrials);
        const badC = coordinates(gd, badTrials);
        m = { dims: gd, l: new JointParzen(gd, good.obs, good.n, o.priorWeight), g: new JointParzen(gd, badC.obs, badC.n, o.priorWeight) };
        models.set(group, m);
      }
      return m;
    };
    const rng = createRng(ctx.seed).fork(ctx.number).fork(MTPE_STREAM);

    const propose = (): Params => {
      // Each group's joint draw: candidates from l, the best log l − log g.
      const drawn = new Map<string, Scalar>();
      const drawGroup = (group: number) => {
        const { dims: gd, l, g } = model(group);
        const x = new Float64Array(gd.length);
        const best = new Float64Array(gd.length);
        let bestScore = -Infinity;
        for (let c = 0; c < o.candidates; c++) {
          l.sample(rng, x);
          const s = l.logPdf(x) - g.logPdf(x);
          if (s > bestScore) {
            bestScore = s;
            best.set(x);
          }
        }
        gd.forEach((d, j) => drawn.set(d.key, d.line ? d.line.from(best[j]!) : d.choices![best[j]!]!));
      };
      drawGroup(0);
      return assembleParams(ctx.space, (name, dim, layer) => {
        if (dim.kind === "fixed") return dim.value;
        const key = layer === undefined ? name : `${name}[${layer}]`;
        const known = drawn.get(key);
        if (known !== undefined) return known;
        const d = dims.find((m) => m.key === key);
        if (!d) return dim.kind === "choice" ? dim.choices[0]! : dim.low; // a degenerate range
        drawGroup(d.group);
        return drawn.get(key)!;
      });
    };
    return firstSatisfying(
      ctx,
      (attempt) => (attempt < MODEL_TRIES ? propose() : drawPrior(ctx.space, rng)),
      (p) => seen.some((q) => sameParams(q, p)),
    );
  }
}
