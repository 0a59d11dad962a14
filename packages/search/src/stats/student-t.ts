// Student's t distribution: CDF, two-sided p-value and quantile. Cross validation gives only
// k ≈ 3–10 fold scores, so normal approximations are too optimistic; everything uses t.
// Pure, no I/O.

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta function (Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value P(|T| ≥ |t|) for Student's t with df degrees of freedom (df may be fractional). */
export function tTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** P(T ≤ t), the CDF of Student's t. */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  const tail = tTwoSidedP(t, df) / 2;
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The quantile q with P(T ≤ q) = prob. Bisection on the upper tail in log space until the
 * bracket is relatively 1e-13 wide: slower than Hill's series, but as accurate as the CDF.
 */
export function tQuantile(prob: number, df: number): number {
  if (!(prob > 0 && prob < 1) || !(df > 0)) return Number.NaN;
  if (prob === 0.5) return 0;
  const upper = prob > 0.5 ? 1 - prob : prob; // target one-sided tail, < 1/2
  let lo = 0;
  let hi = 1;
  while (tTwoSidedP(hi, df) / 2 > upper) {
    hi *= 2;
    if (hi > 1e300) break;
  }
  for (let i = 0; i < 2000 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSidedP(mid, df) / 2 > upper) lo = mid;
    else hi = mid;
  }
  const q = (lo + hi) / 2;
  return prob > 0.5 ? q : -q;
}

/** The two-sided critical value q with P(|T| ≤ q) = level (0.95 → t₀.₉₇₅,df). */
export function tCritical(df: number, level = 0.95): number {
  if (!(level > 0 && level < 1)) return Number.NaN;
  return tQuantile(1 - (1 - level) / 2, df);
}
