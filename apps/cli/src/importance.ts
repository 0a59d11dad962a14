import type { Db } from "@automl/db";
import { IMPORTANCE_METHOD, parameterImportance, trialFeatures, type ParameterImportance, type TrialParamsLike } from "@automl/search";

/**
 * Computes the parameter importance of a study from its completed trials (fANOVA of a random
 * forest on their CV scores) and replaces what is stored for it. Called by `automl ablate` for
 * the ablated study and by `automl importance`; any process with the database can call it when a
 * study completes. Seeded by the study's seed, so the same trials give the same numbers.
 */
export async function refreshImportance(db: Db, studyId: string): Promise<{ importances: ParameterImportance[]; trials: number }> {
  const study = await db.study.findUniqueOrThrow({ where: { id: studyId }, select: { seed: true } });
  const rows = await db.trial.findMany({
    where: { studyId, status: "COMPLETED", cvMean: { not: null } },
    select: { params: true, cvMean: true },
    orderBy: { number: "asc" },
  });
  const observations = rows.map((r) => ({ features: trialFeatures(r.params as unknown as TrialParamsLike), score: r.cvMean! }));
  const importances = parameterImportance(observations, { seed: study.seed });
  await db.$transaction([
    db.paramImportance.deleteMany({ where: { studyId, method: IMPORTANCE_METHOD } }),
    db.paramImportance.createMany({ data: importances.map((i) => ({ studyId, param: i.param, importance: i.importance, method: IMPORTANCE_METHOD, trials: rows.length })) }),
  ]);
  return { importances, trials: rows.length };
}

/** `param  importance` lines with a bar, highest first. */
export function importanceTable(importances: readonly ParameterImportance[], trials: number): string {
  if (importances.length === 0) return `parameter importance: not enough completed trials that differ (${trials})`;
  const w = Math.max(9, ...importances.map((i) => i.param.length));
  return [
    `parameter importance (fANOVA main effects of a random forest over ${trials} completed trials; share of variance)`,
    ...importances.map((i) => `${i.param.padEnd(w)}  ${i.importance.toFixed(3)}  ${"█".repeat(Math.round(i.importance * 40))}`),
  ].join("\n");
}
