// Small-sample statistics for the leaderboard: a trial has only k fold scores (k ≈ 3–10), so
// normal approximations are too optimistic; everything here uses Student's t. Pure, no I/O.

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : Number.NaN;
}

/** Sample standard deviation (n − 1 in the denominator); NaN below two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
function logGamma(x: number): number {
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
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value P(|T| ≥ |t|) for Student's t with df degrees of freedom. */
export function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? Number.NaN : 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t quantile q with P(|T| ≤ q) = level (e.g. 0.95 → t₀.₉₇₅,df), by bisection on the CDF. */
export function tCritical(df: number, level = 0.95): number {
  if (!(df >= 1)) return Number.NaN;
  const alpha = 1 - level;
  let lo = 0;
  let hi = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSidedP(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Interval {
  lo: number;
  hi: number;
}

/** 95% t-interval for the mean of a trial's fold scores; null below two folds. */
export function confidenceInterval(scores: readonly number[], level = 0.95): Interval | null {
  const n = scores.length;
  if (n < 2) return null;
  const m = mean(scores);
  const half = (tCritical(n - 1, level) * sampleStd(scores)) / Math.sqrt(n);
  return { lo: m - half, hi: m + half };
}

export interface PairedTest {
  /** Mean of a − b over the shared folds. */
  meanDiff: number;
  t: number;
  df: number;
  p: number;
}

/**
 * Paired t-test of two trials over the folds both have (the folds are the same split for every
 * trial of a study, so scores pair up). With `testTrainRatio` (n_test / n_train; k-fold CV gives
 * 1/(k − 1)) it is Nadeau & Bengio's corrected resampled t: the training sets overlap, so the
 * fold differences are correlated and the plain 1/k variance factor becomes 1/k + n_test/n_train.
 * Identical scores give meanDiff 0 and p = 1; a constant nonzero difference gives p = 0.
 */
export function pairedTTest(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>, testTrainRatio?: number): PairedTest | null {
  const d: number[] = [];
  for (const [fold, x] of a) {
    const y = b.get(fold);
    if (y !== undefined) d.push(x - y);
  }
  const k = d.length;
  if (k < 2) return null;
  const meanDiff = mean(d);
  const variance = sampleStd(d) ** 2;
  const factor = 1 / k + (testTrainRatio ?? 0);
  const se = Math.sqrt(factor * variance);
  // Float rounding turns an exactly constant gap into a variance of ~1e-33; call that zero.
  if (se <= 1e-12 * Math.max(1, Math.abs(meanDiff))) return { meanDiff, t: meanDiff === 0 ? 0 : Math.sign(meanDiff) * Infinity, df: k - 1, p: meanDiff === 0 ? 1 : 0 };
  const t = meanDiff / se;
  return { meanDiff, t, df: k - 1, p: tTwoSidedP(t, k - 1) };
}
