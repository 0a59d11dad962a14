import type { ParameterImportance } from "@automl/search";

/** `param  importance` lines with a bar, highest first. */
export function importanceTable(importances: readonly ParameterImportance[], trials: number): string {
  if (importances.length === 0) return `parameter importance: not enough completed trials that differ (${trials})`;
  const w = Math.max(9, ...importances.map((i) => i.param.length));
  return [
    `parameter importance (fANOVA main effects of a random forest over ${trials} completed trials; share of variance)`,
    ...importances.map((i) => `${i.param.padEnd(w)}  ${i.importance.toFixed(3)}  ${"█".repeat(Math.round(i.importance * 40))}`),
  ].join("\n");
}
