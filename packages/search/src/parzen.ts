// Parzen estimators of TPE (Bergstra et al. 2011), in Optuna's form: per numeric dimension a
// mixture of truncated normals, one per observation plus a broad prior component, with
// neighbour-distance bandwidths and the "magic clip"; per categorical dimension smoothed,
// weighted counts. Kernels live in typed arrays so scoring candidates is a tight loop.
import type { Rng } from "@automl/common";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Complementary error function (Numerical Recipes erfcc, |relative error| < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * Indices that sort `xs` ascending (ties by index). Sorts packed keys natively instead of calling
 * a comparator: a value's rank among the distinct values, times n, plus its index.
 */
function sortedOrder(xs: ArrayLike<number>): Uint32Array {
  const n = xs.length;
  const values = Float64Array.from(xs).sort();
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Rank of xs[i] = first position of its value in the sorted copy (binary search).
    let lo = 0;
    let hi = n;
    const v = xs[i]!;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    keys[i] = lo * n + i;
  }
  keys.sort();
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
  return order;
}

/** Mixture of normals truncated to [low, high]. */
export class NumericParzen {
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /** Normalized mixture weights. */
  readonly weights: Float64Array;
  /** log(weight / (σ √(2π) Z)) per kernel, Z the mass inside [low, high]. */
  private readonly logCoef: Float64Array;
  private readonly invSigma: Float64Array;
  private readonly cumWeights: Float64Array;

  constructor(
    observations: ArrayLike<number>,
    obsWeights: ArrayLike<number>,
    readonly low: number,
    readonly high: number,
    priorWeight: number,
  ) {
    const n = observations.length;
    const k = n + 1;
    this.mus = new Float64Array(k);
    this.sigmas = new Float64Array(k);
    this.weights = new Float64Array(k);
    const range = high - low;
    // Bandwidth (Optuna 3.1, univariate): the larger distance to a neighbour in sorted order,
    // the prior's centre counting as a point; the ends count as neighbours only through the inner
    // side (consider_endpoints=false); magic clip to [range / min(100, n + 2), range].
    const centres = new Float64Array(k);
    centres.set(observations as ArrayLike<number>);
    centres[n] = (low + high) / 2;
    const order = sortedOrder(centres);
    const sorted = new Float64Array(k + 2);
    sorted[0] = low;
    for (let i = 0; i < k; i++) sorted[i + 1] = centres[order[i]!]!;
    sorted[k + 1] = high;
    const s = new Float64Array(k);
    for (let i = 0; i < k; i++) s[i] = Math.max(sorted[i + 1]! - sorted[i]!, sorted[i + 2]! - sorted[i + 1]!);
    if (k >= 2) {
      s[0] = sorted[2]! - sorted[1]!;
      s[k - 1] = sorted[k]! - sorted[k - 1]!;
    }
    const minSigma = range / Math.min(100, k + 1);
    for (let i = 0; i < k; i++) {
      const j = order[i]!;
      this.mus[j] = centres[j]!;
      this.sigmas[j] = Math.min(range, Math.max(minSigma, s[i]!));
      if (j < n) this.weights[j] = obsWeights[j]!;
    }
    this.mus[n] = (low + high) / 2;
    this.sigmas[n] = range;
    this.weights[n] = priorWeight;
    let total = 0;
    for (let i = 0; i < k; i++) total += this.weights[i]!;
    this.logCoef = new Float64Array(k);
    this.invSigma = new Float64Array(k);
    this.cumWeights = new Float64Array(k);
    let cum = 0;
    for (let i = 0; i < k; i++) {
      const w = this.weights[i]! / total;
      this.weights[i] = w;
      cum += w;
      this.cumWeights[i] = cum;
      const sigma = this.sigmas[i]!;
      const a = (low - this.mus[i]!) / sigma;
      const b = (high - this.mus[i]!) / sigma;
      // Beyond 9σ on both sides the mass outside is < 1e-18: skip the two erfc.
      const mass = a < -9 && b > 9 ? 1 : normalCdf(b) - normalCdf(a);
      this.logCoef[i] = Math.log(w) - Math.log(sigma) - LOG_SQRT_2PI - Math.log(Math.max(mass, 1e-12));
      this.invSigma[i] = 1 / sigma;
    }
  }

  /** A draw: pick a kernel by weight, then a normal draw from it, inside [low, high]. */
  sample(rng: Rng): number {
    const u = rng.next();
    let i = 0;
    while (i < this.cumWeights.length - 1 && this.cumWeights[i]! <= u) i++;
    const mu = this.mus[i]!;
    const sigma = this.sigmas[i]!;
    // Every kernel's centre lies inside the range, so at least ~30% of draws land inside.
    for (let tries = 0; tries < 100; tries++) {
      const x = mu + sigma * rng.normal();
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, mu));
  }

  /** log density at x. */
  logPdf(x: number): number {
    const out = new Float64Array(1);
    this.logPdfMany(Float64Array.of(x), out);
    return out[0]!;
  }

  /**
   * log density at each of xs, into out. Kernel-major, so a kernel's constants stay in registers
   * across candidates. The plain sum is exact unless every kernel underflows (x far out in every
   * kernel's tail); then a log-sum-exp pass recomputes that x.
   */
  logPdfMany(xs: Float64Array, out: Float64Array): void {
    const m = xs.length;
    const k = this.mus.length;
    out.fill(0, 0, m);
    const mus = this.mus;
    const inv = this.invSigma;
    const coef = this.logCoef;
    for (let i = 0; i < k; i++) {
      const mu = mus[i]!;
      const s = inv[i]!;
      const c = coef[i]!;
      for (let j = 0; j < m; j++) {
        const z = (xs[j]! - mu) * s;
        // A kernel 7σ away adds < e^-24.5 of its peak. Kernels are at least range/100 wide and
        // the prior kernel (as heavy as any observation) keeps every density above ~0.35/range
        // of its weight, so skipping such kernels changes the density by < 1e-5 relative even
        // with thousands of them.
        if (z > 7 || z < -7) continue;
        out[j]! += Math.exp(c - 0.5 * z * z);
      }
    }
    for (let j = 0; j < m; j++) out[j] = out[j]! > 1e-280 ? Math.log(out[j]!) : this.logPdfStable(xs[j]!);
  }

  private logPdfStable(x: number): number {
    const k = this.mus.length;
    let max = -Infinity;
    for (let i = 0; i < k; i++) {
      const z = (x - this.mus[i]!) * this.invSigma[i]!;
      const l = this.logCoef[i]! - 0.5 * z * z;
      if (l > max) max = l;
    }
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const z = (x - this.mus[i]!) * this.invSigma[i]!;
      sum += Math.exp(this.logCoef[i]! - 0.5 * z * z - max);
    }
    return max + Math.log(sum);
  }
}

/**
 * Optuna 3.1's categorical estimator: a mixture of one row per observation (prior_weight/(n+1) on
 * every choice plus 1 on the observed one, normalized) and a uniform prior row, weighted like the
 * numeric kernels. Its probabilities, collapsed.
 */
export class CategoricalParzen {
  readonly probs: Float64Array;

  constructor(observations: ArrayLike<number>, obsWeights: ArrayLike<number>, nChoices: number, priorWeight: number) {
    const n = observations.length;
    const base = priorWeight / (n + 1);
    const rowNorm = 1 + nChoices * base;
    let total = priorWeight;
    for (let i = 0; i < n; i++) total += obsWeights[i]!;
    this.probs = new Float64Array(nChoices).fill(priorWeight / nChoices);
    let spread = 0;
    for (let i = 0; i < n; i++) {
      this.probs[observations[i]!]! += obsWeights[i]! / rowNorm;
      spread += (obsWeights[i]! * base) / rowNorm;
    }
    for (let c = 0; c < nChoices; c++) this.probs[c] = (this.probs[c]! + spread) / total;
  }

  sample(rng: Rng): number {
    let u = rng.next();
    for (let c = 0; c < this.probs.length - 1; c++) {
      u -= this.probs[c]!;
      if (u < 0) return c;
    }
    return this.probs.length - 1;
  }

  logPmf(c: number): number {
    return Math.log(this.probs[c]!);
  }
}

/**
 * Optuna's default observation weights: equal for the 25 most recent, a linear ramp from 1/n up
 * to 1 for older ones, so an old region of the search fades rather than dominates.
 * `n` observations ordered oldest first.
 */
export function recencyWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const ramp = n - 25;
  if (ramp <= 0) return w;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}
