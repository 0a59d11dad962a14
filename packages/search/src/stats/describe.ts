// Descriptive statistics of a trial's fold scores.
import { tCritical } from "./student-t";

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

export interface Interval {
  lo: number;
  hi: number;
}

/** t-interval (95% by default) for the mean of a trial's fold scores; null below two folds. */
export function confidenceInterval(scores: readonly number[], level = 0.95): Interval | null {
  const n = scores.length;
  if (n < 2) return null;
  const m = mean(scores);
  const half = (tCritical(n - 1, level) * sampleStd(scores)) / Math.sqrt(n);
  return { lo: m - half, hi: m + half };
}
