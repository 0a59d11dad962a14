import { paretoFront, type Direction } from "@automl/search";
import type { Objective } from "./study-file";

/** What a trial's objective values are computed from (a stored row or its protobuf form). */
export interface ScoredTrial {
  cvMean?: number | null;
  paramCount: number;
  folds: readonly { metrics?: unknown }[];
}

/**
 * The objective vector of a completed trial, in the study file's order: `params` is the trainable
 * parameter count; the scored metric is the CV mean; another CV metric is the mean of the folds'
 * values of it (every fold records every metric of the task). NaN when a value is missing.
 */
export function objectiveValues(objectives: readonly Objective[], scoredMetric: string, t: ScoredTrial): number[] {
  return objectives.map((o) => {
    if (o.metric === "params") return t.paramCount;
    if (o.metric === scoredMetric) return t.cvMean ?? NaN;
    const xs = t.folds.map((f) => (f.metrics as Record<string, number> | null | undefined)?.[o.metric]);
    if (xs.length === 0 || xs.some((x) => typeof x !== "number")) return NaN;
    return (xs as number[]).reduce((a, x) => a + x, 0) / xs.length;
  });
}

/** The trials on the Pareto front of `objectives` (input order); trials with a missing value are never on it. */
export function paretoTrials<T extends ScoredTrial>(objectives: readonly Objective[], scoredMetric: string, trials: readonly T[]): T[] {
  const points = trials.map((t) => objectiveValues(objectives, scoredMetric, t));
  const directions: Direction[] = objectives.map((o) => o.direction);
  return paretoFront(points, directions).map((i) => trials[i]!);
}
