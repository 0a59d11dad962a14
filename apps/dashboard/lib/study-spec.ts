// What the dashboard reads from a study's stored spec (the validated study file, as JSON): its
// objectives and its pruner. The spec was written by a coordinator of possibly another version,
// so every field is checked here and a malformed one falls back to the study's own columns.
import { prunerSchema } from "@automl/search";

export type Direction = "maximize" | "minimize";
export interface StudyObjective {
  metric: string;
  direction: Direction;
}

export interface StudyPruner {
  kind: "asha" | "median" | "hyperband";
  /** Human text for the study header, e.g. "ASHA (min epochs 1, η 3)". */
  label: string;
  /** ASHA only: rung k is reached at epoch minEpochs·η^k. */
  asha?: { minEpochs: number; reductionFactor: number };
}

const isDirection = (d: unknown): d is Direction => d === "maximize" || d === "minimize";

/**
 * The study file's `objectives` in order (several: a multi-objective study whose trials store
 * `Trial.values` in this order), or the single objective of the study's columns.
 */
export function objectivesOf(spec: unknown, metric: string, direction: string): StudyObjective[] {
  const list = (spec as { objectives?: unknown } | null)?.objectives;
  if (Array.isArray(list) && list.length > 0 && list.every((o) => o && typeof o === "object" && typeof o.metric === "string" && isDirection(o.direction))) {
    return list.map((o: StudyObjective) => ({ metric: o.metric, direction: o.direction }));
  }
  return [{ metric, direction: isDirection(direction) ? direction : "maximize" }];
}

/** The pruner the study ran with; null for `none` (or a spec from before pruners existed). */
export function prunerOf(spec: unknown): StudyPruner | null {
  const raw = (spec as { pruner?: unknown } | null)?.pruner;
  if (raw === undefined) return null;
  const p = prunerSchema.safeParse(raw);
  if (!p.success || p.data.kind === "none") return null;
  if (p.data.kind === "asha") {
    const { minEpochs, reductionFactor } = p.data.options;
    return { kind: "asha", label: `ASHA (min epochs ${minEpochs}, η ${reductionFactor})`, asha: { minEpochs, reductionFactor } };
  }
  if (p.data.kind === "hyperband") {
    const { minEpochs, maxEpochs, reductionFactor } = p.data.options;
    // A rung's epoch depends on the trial's bracket, so rungs are shown as numbers only.
    return { kind: "hyperband", label: `Hyperband (min epochs ${minEpochs}, max epochs ${maxEpochs}, η ${reductionFactor})` };
  }
  const { startupTrials, warmupEpochs } = p.data.options;
  return { kind: "median", label: `median (startup trials ${startupTrials}, warm-up epochs ${warmupEpochs})` };
}

/** "2 (epoch 9)": the rung and, under ASHA, the epoch at which the trial reached it. */
export function rungText(rung: number | null, pruner: StudyPruner | null): string {
  if (rung === null) return "—";
  return pruner?.asha ? `${rung} (epoch ${pruner.asha.minEpochs * pruner.asha.reductionFactor ** rung})` : String(rung);
}

/** Axis and column text for an objective: CV metrics are cross-validated means, params a count. */
export function objectiveLabel(o: StudyObjective): string {
  return `${o.metric === "params" ? "parameters" : `CV ${o.metric}`} (${o.direction})`;
}
