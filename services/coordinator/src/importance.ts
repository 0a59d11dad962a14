import { Worker } from "node:worker_threads";
import type { Db } from "@automl/db";
import { IMPORTANCE_METHOD, trialFeatures, type ImportanceObservation, type ParameterImportance, type TrialParamsLike } from "@automl/search";

const THREAD_ENTRY = new URL("./importance-thread.mjs", import.meta.url);

/**
 * The forest is fitted on a thread of its own: over 2,000 trials it takes about a second of CPU,
 * which on the coordinator's event loop would hold up every gRPC call of every running study.
 */
function importanceInThread(observations: ImportanceObservation[], seed: number): Promise<ParameterImportance[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(THREAD_ENTRY, { workerData: { observations, seed } });
    w.once("message", (m: ParameterImportance[]) => resolve(m));
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`importance thread exited with code ${code} before answering`)));
  });
}

/**
 * Computes the parameter importance of a study from its completed trials (fANOVA of a random
 * forest on their CV scores) and replaces what is stored for it. The coordinator calls it when a
 * study completes; `automl ablate` and `automl importance` call it too. Seeded by the study's
 * seed, so the same trials give the same numbers — which is why two processes refreshing the same
 * study at once may both write: the second one's identical rows are skipped.
 */
export async function refreshImportance(db: Db, studyId: string): Promise<{ importances: ParameterImportance[]; trials: number }> {
  const study = await db.study.findUniqueOrThrow({ where: { id: studyId }, select: { seed: true } });
  const rows = await db.trial.findMany({
    where: { studyId, status: "COMPLETED", cvMean: { not: null } },
    select: { params: true, cvMean: true },
    orderBy: { number: "asc" },
  });
  const observations = rows.map((r) => ({ features: trialFeatures(r.params as unknown as TrialParamsLike), score: r.cvMean! }));
  const importances = await importanceInThread(observations, study.seed);
  await db.$transaction([
    db.paramImportance.deleteMany({ where: { studyId, method: IMPORTANCE_METHOD } }),
    db.paramImportance.createMany({
      data: importances.map((i) => ({ studyId, param: i.param, importance: i.importance, method: IMPORTANCE_METHOD, trials: rows.length })),
      skipDuplicates: true,
    }),
  ]);
  return { importances, trials: rows.length };
}
