// How a step is timed, the same scheme on both sides (pytorch_mlp.py's measure() mirrors it):
// warm up for warmupSeconds (at least minWarmupSteps steps), then timed reps of k steps each,
// k chosen so a rep lasts about repSeconds, until `seconds` have passed and at least minReps reps
// ran; the result is the median seconds per step over the reps. A step slower than
// slowStepSeconds (plain TypeScript or tfjs on the big network: seconds per step) gets one
// warm-up step and at least minRepsSlow reps (as many as fit in `seconds`), so the whole run
// stays within a few minutes; each result carries its number of reps.

export interface Timing {
  warmupSeconds: number;
  minWarmupSteps: number;
  seconds: number;
  minReps: number;
  maxReps: number;
  repSeconds: number;
  slowStepSeconds: number;
  minRepsSlow: number;
}

export const DEFAULT_TIMING: Timing = {
  warmupSeconds: 0.3,
  minWarmupSteps: 2,
  seconds: 1.0,
  minReps: 3,
  maxReps: 40,
  repSeconds: 0.05,
  slowStepSeconds: 0.5,
  minRepsSlow: 1,
};

/** Quick settings for checking the harness itself (numbers are noisier). */
export const QUICK_TIMING: Timing = { ...DEFAULT_TIMING, warmupSeconds: 0.05, minWarmupSteps: 1, seconds: 0.2, minReps: 2 };

export interface Measured {
  /** Median seconds per training step. */
  stepSeconds: number;
  /** Seconds per step of every rep. */
  reps: number[];
  stepsPerRep: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

export function measure(step: () => void, t: Timing): Measured {
  const now = () => performance.now() / 1000;
  const t0 = now();
  step();
  let steps = 1;
  const slow = now() - t0 > t.slowStepSeconds;
  while (!slow && (steps < t.minWarmupSteps || now() - t0 < t.warmupSeconds)) {
    step();
    steps++;
  }
  const perStep = (now() - t0) / steps;
  const k = Math.max(1, Math.floor(t.repSeconds / Math.max(perStep, 1e-9)));
  const minReps = slow ? t.minRepsSlow : t.minReps;
  const reps: number[] = [];
  const stop = now() + t.seconds;
  while (reps.length < minReps || (now() < stop && reps.length < t.maxReps)) {
    const r0 = now();
    for (let i = 0; i < k; i++) step();
    reps.push((now() - r0) / k);
  }
  return { stepSeconds: median(reps), reps, stepsPerRep: k };
}
