// Gaussian-process Bayesian optimization on the mixed, conditional space.
// - Encoding: each numeric dim on its line (log where the space says so) scaled to [0, 1];
//   each categorical dim one-hot; a per-layer dim of a layer the trial does not have is 0.5 /
//   all-zero (depth, an input itself, tells the kernel which layers exist).
// - Model: Matérn-5/2 kernel with one length scale per dim (ARD), signal and noise variances,
//   fitted by maximizing the log marginal likelihood plus weak log-normal priors, with Adam on
//   the log-parameters from a fixed start (deterministic, so suggest stays a pure function).
// - Acquisition: log expected improvement over the best posterior mean at an observed point
//   (robust to noise), maximized over prior draws plus mutations of the best trials, refined
//   by a second round of mutations around the best candidates.
// - Scale: the model sees at most `maxObservations` trials (the best quarter + the most recent);
//   past `handoverTrials` finished trials, and for several objectives, it hands over to the
//   multivariate TPE, so a suggestion stays cheap at 10,000 trials.
import { createRng, type Rng } from "@automl/common";
import { firstSatisfying, sameParams } from "./constrained";
import { assembleParams, drawDim, drawPrior } from "./draw";
import { MultivariateTpeSampler, modelDims, type ModelDim } from "./mtpe";
import { normalCdf } from "./parzen";
import { sampleRandom } from "./random";
import type { Params, Sampler, Scalar, SuggestContext } from "./types";

export interface GpOptions {
  /** Below this many complete trials, suggest from the prior. */
  startupTrials: number;
  /** Trials the GP is fitted on (the best quarter and the most recent ones). */
  maxObservations: number;
  /** From this many finished trials on, the multivariate TPE suggests instead. */
  handoverTrials: number;
  /** Prior draws scored by the acquisition. */
  candidates: number;
  /** Adam steps of the hyperparameter fit. */
  fitSteps: number;
}

export const DEFAULT_GP_OPTIONS: GpOptions = { startupTrials: 10, maxObservations: 80, handoverTrials: 200, candidates: 300, fitSteps: 25 };

const GP_STREAM = 0x6770; // "gp"
const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

/** Columns of the encoding: which model dim each belongs to. */
interface Encoding {
  dims: ModelDim[];
  width: number;
  colDim: Int32Array;
  encode(p: Params): Float64Array;
}

function encoding(dims: ModelDim[]): Encoding {
  const offsets: number[] = [];
  const cols: number[] = [];
  dims.forEach((d, j) => {
    offsets.push(cols.length);
    const w = d.line ? 1 : d.choices!.length;
    for (let c = 0; c < w; c++) cols.push(j);
  });
  return {
    dims,
    width: cols.length,
    colDim: Int32Array.from(cols),
    encode(p) {
      const x = new Float64Array(cols.length);
      dims.forEach((d, j) => {
        const v = d.get(p);
        if (d.line) {
          const { low, high } = d.line;
          x[offsets[j]!] = v === undefined ? 0.5 : Math.min(1, Math.max(0, (d.line.to(v as number) - low) / (high - low)));
        } else if (v !== undefined) {
          const q = d.choices!.indexOf(v);
          if (q >= 0) x[offsets[j]! + q] = 1;
        }
      });
      return x;
    },
  };
}

/** Lower Cholesky factor of a symmetric positive-definite n×n matrix (row-major), in place of a copy. */
function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (s <= 0) return undefined;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** Solves L z = b (forward). */
function forward(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * z[k]!;
    z[i] = s / l[i * n + i]!;
  }
  return z;
}

/** Solves Lᵀ z = b (backward). */
function backward(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const z = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * z[k]!;
    z[i] = s / l[i * n + i]!;
  }
  return z;
}

const matern = (r: number) => (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);

/** A fitted GP: log length scales per dim, log signal and noise variance. */
interface Gp {
  x: Float64Array[];
  invSq: Float64Array; // 1/ℓ² per column
  s2: number;
  l: Float64Array;
  alpha: Float64Array;
  n: number;
  theta: Float64Array;
}

/** Squared scaled distance between two encoded points. */
function dist2(a: Float64Array, b: Float64Array, invSq: Float64Array): number {
  let s = 0;
  for (let c = 0; c < a.length; c++) {
    const d = a[c]! - b[c]!;
    s += d * d * invSq[c]!;
  }
  return s;
}

// Weak priors on the log-parameters (inputs live in [0, 1], outputs are standardized).
const PRIOR = { logEll: { mean: Math.log(0.5), sd: 1 }, logS2: { mean: 0, sd: 1 }, logNoise: { mean: Math.log(1e-3), sd: 2 } };
const MIN_LOG_NOISE = Math.log(1e-6);

/** Fits the hyperparameters (Adam on −(log marginal likelihood + log prior)) and returns the GP. */
function fitGp(enc: Encoding, x: Float64Array[], y: Float64Array, steps: number): Gp {
  const n = x.length;
  const m = enc.dims.length;
  // Per pair and dim: squared differences summed over the dim's columns.
  const diff = Array.from({ length: m }, () => new Float64Array(n * n));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++)
      for (let c = 0; c < enc.width; c++) {
        const d = x[i]![c]! - x[j]![c]!;
        if (d !== 0) {
          diff[enc.colDim[c]!]![i * n + j]! += d * d;
        }
      }
  const theta = new Float64Array(m + 2);
  theta.fill(PRIOR.logEll.mean, 0, m);
  theta[m] = PRIOR.logS2.mean;
  theta[m + 1] = Math.log(1e-2);
  const mom = new Float64Array(m + 2);
  const vel = new Float64Array(m + 2);
  const build = (th: Float64Array) => {
    const inv = new Float64Array(m);
    for (let d = 0; d < m; d++) inv[d] = Math.exp(-2 * th[d]!);
    const s2 = Math.exp(th[m]!);
    const noise = Math.exp(th[m + 1]!) + 1e-8;
    const k = new Float64Array(n * n);
    const r = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      k[i * n + i] = s2 + noise;
      for (let j = 0; j < i; j++) {
        let s = 0;
        for (let d = 0; d < m; d++) s += diff[d]![i * n + j]! * inv[d]!;
        const rr = Math.sqrt(s);
        r[i * n + j] = rr;
        k[i * n + j] = k[j * n + i] = s2 * matern(rr);
      }
    }
    return { inv, s2, noise, k, r };
  };
  for (let step = 0; step < steps; step++) {
    const { inv, s2, noise, k, r } = build(theta);
    const l = cholesky(k, n);
    if (!l) {
      theta[m + 1] = theta[m + 1]! + 1; // more noise until K is numerically positive definite
      continue;
    }
    const alpha = backward(l, n, forward(l, n, y));
    // K⁻¹ column by column.
    const kinv = new Float64Array(n * n);
    const e = new Float64Array(n);
    for (let c = 0; c < n; c++) {
      e.fill(0);
      e[c] = 1;
      const col = backward(l, n, forward(l, n, e));
      for (let i = 0; i < n; i++) kinv[i * n + c] = col[i]!;
    }
    // dLML/dθ = ½ Σ_ij (α_i α_j − K⁻¹_ij) ∂K_ij/∂θ (off-diagonal pairs counted twice).
    const grad = new Float64Array(m + 2);
    for (let i = 0; i < n; i++) {
      grad[m + 1]! += 0.5 * (alpha[i]! * alpha[i]! - kinv[i * n + i]!) * noise;
      grad[m]! += 0.5 * (alpha[i]! * alpha[i]! - kinv[i * n + i]!) * s2;
      for (let j = 0; j < i; j++) {
        const w = alpha[i]! * alpha[j]! - kinv[i * n + j]!;
        const rr = r[i * n + j]!;
        const ex = Math.exp(-SQRT5 * rr);
        grad[m]! += w * s2 * (1 + SQRT5 * rr + (5 / 3) * rr * rr) * ex;
        const common = w * s2 * (5 / 3) * (1 + SQRT5 * rr) * ex;
        for (let d = 0; d < m; d++) {
          const dd = diff[d]![i * n + j]!;
          if (dd !== 0) grad[d]! += common * dd * inv[d]!;
        }
      }
    }
    // Log-prior gradients, then an Adam ascent step.
    for (let d = 0; d < m; d++) grad[d]! -= (theta[d]! - PRIOR.logEll.mean) / PRIOR.logEll.sd ** 2;
    grad[m]! -= (theta[m]! - PRIOR.logS2.mean) / PRIOR.logS2.sd ** 2;
    grad[m + 1]! -= (theta[m + 1]! - PRIOR.logNoise.mean) / PRIOR.logNoise.sd ** 2;
    const lr = 0.1;
    for (let q = 0; q < m + 2; q++) {
      mom[q] = 0.9 * mom[q]! + 0.1 * grad[q]!;
      vel[q] = 0.999 * vel[q]! + 0.001 * grad[q]! * grad[q]!;
      const mh = mom[q]! / (1 - 0.9 ** (step + 1));
      const vh = vel[q]! / (1 - 0.999 ** (step + 1));
      theta[q] = theta[q]! + (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
    for (let d = 0; d < m; d++) theta[d] = Math.min(Math.log(20), Math.max(Math.log(0.01), theta[d]!));
    theta[m] = Math.min(Math.log(20), Math.max(Math.log(0.05), theta[m]!));
    theta[m + 1] = Math.min(Math.log(2), Math.max(MIN_LOG_NOISE, theta[m + 1]!));
  }
  return condition(enc, theta, x, y);
}

/** The GP with hyperparameters `theta` conditioned on (x, y). */
function condition(enc: Encoding, theta: Float64Array, x: Float64Array[], y: Float64Array): Gp {
  const n = x.length;
  const m = enc.dims.length;
  const invSq = new Float64Array(enc.width);
  for (let c = 0; c < enc.width; c++) invSq[c] = Math.exp(-2 * theta[enc.colDim[c]!]!);
  const s2 = Math.exp(theta[m]!);
  for (let logNoise = theta[m + 1]!; ; logNoise += 1) {
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      k[i * n + i] = s2 + Math.exp(logNoise) + 1e-8;
      for (let j = 0; j < i; j++) k[i * n + j] = k[j * n + i] = s2 * matern(Math.sqrt(dist2(x[i]!, x[j]!, invSq)));
    }
    const l = cholesky(k, n);
    if (l) return { x, invSq, s2, l, alpha: backward(l, n, forward(l, n, y)), n, theta };
  }
}

/**
 * The posterior (mean, sd) at `xs` of a GP with the given log-hyperparameters on plain [0, 1]
 * inputs (one length scale per column): the model of the sampler, exposed for the reference test.
 */
export function gpPosterior(x: number[][], y: number[], logEll: number[], logS2: number, logNoise: number, xs: number[][]): { mean: number; sd: number }[] {
  const dims = logEll.map((_, j) => ({ key: String(j), line: { low: 0, high: 1, to: (v: number) => v, from: (v: number) => v } }) as unknown as ModelDim);
  const enc = encoding(dims);
  const gp = condition(enc, Float64Array.from([...logEll, logS2, logNoise]), x.map((r) => Float64Array.from(r)), Float64Array.from(y));
  return xs.map((r) => predict(gp, Float64Array.from(r)));
}

function predict(gp: Gp, xs: Float64Array): { mean: number; sd: number } {
  const kx = new Float64Array(gp.n);
  let mean = 0;
  for (let i = 0; i < gp.n; i++) {
    kx[i] = gp.s2 * matern(Math.sqrt(dist2(xs, gp.x[i]!, gp.invSq)));
    mean += kx[i]! * gp.alpha[i]!;
  }
  const v = forward(gp.l, gp.n, kx);
  let vv = 0;
  for (let i = 0; i < gp.n; i++) vv += v[i]! * v[i]!;
  return { mean, sd: Math.sqrt(Math.max(gp.s2 - vv, 1e-12)) };
}

/** Mills ratio Q(t)/φ(t) for t > 0 by its continued fraction 1/(t + 1/(t + 2/(t + 3/(t + …)))). */
function millsRatio(t: number): number {
  let f = t;
  for (let k = 60; k >= 1; k--) f = t + k / f;
  return 1 / f;
}

/**
 * log EI for maximization at posterior (mean, sd) over incumbent `best`. EI = σ·φ(z)·(1 + z·Φ(z)/φ(z));
 * far below the incumbent (z < −4) Φ(z)/φ(z) is the Mills ratio, so the log stays finite and exact
 * where EI itself underflows (LogEI, Ament et al. 2023).
 */
export function logExpectedImprovement(mean: number, sd: number, best: number): number {
  const z = (mean - best) / sd;
  const logPhi = -0.5 * z * z - 0.5 * LOG_2PI;
  if (z > -4) return Math.log(sd) + Math.log(z * normalCdf(z) + Math.exp(logPhi));
  return Math.log(sd) + logPhi + Math.log1p(z * millsRatio(-z));
}

/** A copy of `p` with a few dims moved: numeric ones by a normal step on their line, categorical ones redrawn. */
function mutate(space: SuggestContext["space"], dims: ModelDim[], p: Params, rng: Rng, scale: number): Params {
  const values = new Map<string, Scalar>();
  for (const d of dims) {
    const v = d.get(p);
    if (v !== undefined) values.set(d.key, v);
  }
  const moves = 1 + rng.int(Math.min(3, dims.length));
  for (let t = 0; t < moves; t++) {
    const d = dims[rng.int(dims.length)]!;
    if (d.line) {
      const { low, high } = d.line;
      const cur = values.get(d.key);
      const u = cur === undefined ? rng.next() : (d.line.to(cur as number) - low) / (high - low);
      const moved = Math.min(1, Math.max(0, u + scale * rng.normal()));
      values.set(d.key, d.line.from(low + moved * (high - low)));
    } else values.set(d.key, d.choices![rng.int(d.choices!.length)]!);
  }
  return assembleParams(space, (name, dim, layer) => {
    const v = values.get(layer === undefined ? name : `${name}[${layer}]`);
    // A layer the parent did not have copies its last layer's value (then maybe moved).
    if (v !== undefined) return v;
    if (layer !== undefined && layer > 0) {
      const prev = values.get(`${name}[${layer - 1}]`);
      if (prev !== undefined) return prev;
    }
    return drawDim(rng, dim);
  });
}

export class GpSampler implements Sampler {
  readonly name = "gp";
  readonly options: GpOptions;
  private readonly fallback: MultivariateTpeSampler;

  constructor(options: Partial<GpOptions> = {}) {
    this.options = { ...DEFAULT_GP_OPTIONS, ...options };
    this.fallback = new MultivariateTpeSampler();
  }

  suggest(ctx: SuggestContext): Params {
    const o = this.options;
    if (ctx.directions.length === 0) throw new Error("GP needs at least one objective direction");
    const finished = ctx.trials.filter((t) => t.state === "COMPLETE" || t.state === "PRUNED").length;
    if (ctx.directions.length > 1 || finished >= o.handoverTrials) return this.fallback.suggest(ctx);
    const sign = ctx.directions[0] === "maximize" ? 1 : -1;
    const complete = ctx.trials
      .filter((t) => t.state === "COMPLETE" && t.values && t.values.length === 1 && Number.isFinite(t.values[0]!))
      .sort((a, b) => a.number - b.number);
    if (complete.length < Math.max(2, o.startupTrials)) return sampleRandom(ctx);
    // The best quarter of the budget, then the most recent.
    const byValue = [...complete].sort((a, b) => sign * (b.values![0]! - a.values![0]!) || a.number - b.number);
    const keep = new Set(byValue.slice(0, Math.floor(o.maxObservations / 4)));
    for (let i = complete.length - 1; i >= 0 && keep.size < o.maxObservations; i--) keep.add(complete[i]!);
    const used = complete.filter((t) => keep.has(t));

    const dims = modelDims(ctx.space);
    const enc = encoding(dims);
    const x = used.map((t) => enc.encode(t.params));
    const raw = used.map((t) => sign * t.values![0]!);
    const mu = raw.reduce((s, v) => s + v, 0) / raw.length;
    const sd = Math.sqrt(raw.reduce((s, v) => s + (v - mu) ** 2, 0) / raw.length) || 1;
    const y = Float64Array.from(raw, (v) => (v - mu) / sd);
    let gp = fitGp(enc, x, y, o.fitSteps);
    let incumbent = -Infinity;
    for (const xi of x) incumbent = Math.max(incumbent, predict(gp, xi).mean);
    // Running trials (parallel workers) as fantasies at the posterior mean ("kriging believer"):
    // their uncertainty collapses, so the next suggestion looks elsewhere.
    const running = ctx.trials.filter((t) => t.state === "RUNNING").map((t) => enc.encode(t.params));
    if (running.length > 0) {
      const yr = Float64Array.from(running, (xr) => predict(gp, xr).mean);
      gp = condition(enc, gp.theta, [...x, ...running], Float64Array.from([...y, ...yr]));
    }

    const rng = createRng(ctx.seed).fork(ctx.number).fork(GP_STREAM);
    const score = (p: Params) => {
      const { mean, sd: s } = predict(gp, enc.encode(p));
      return logExpectedImprovement(mean, s, incumbent);
    };
    const pool: { p: Params; s: number }[] = [];
    const add = (p: Params) => pool.push({ p, s: score(p) });
    for (let c = 0; c < o.candidates; c++) add(drawPrior(ctx.space, rng));
    const parents = byValue.slice(0, 5).map((t) => t.params);
    for (const parent of parents) for (let c = 0; c < 40; c++) add(mutate(ctx.space, dims, parent, rng, 0.1));
    // Local refinement around the best candidates so far.
    for (let round = 0; round < 2; round++) {
      const top = [...pool].sort((a, b) => b.s - a.s).slice(0, 5);
      for (const t of top) for (let c = 0; c < 20; c++) add(mutate(ctx.space, dims, t.p, rng, 0.05 / (round + 1)));
    }
    pool.sort((a, b) => b.s - a.s);
    const distinct = new Map(pool.map((c) => [JSON.stringify(c.p), c.p]));
    const ranked = [...distinct.values()];
    const seen = ctx.trials.map((t) => t.params);
    return firstSatisfying(
      ctx,
      (attempt) => (attempt < ranked.length ? ranked[attempt]! : drawPrior(ctx.space, rng)),
      (p) => seen.some((q) => sameParams(q, p)),
    );
  }
}
