import type { Db } from "@automl/db/client";
import { archOf } from "./fixtures";

export const MO_STUDY = "study-mo";

/**
 * "mo-demo": accuracy (maximize) and params (minimize), ASHA with minEpochs 1 and η 3 (rung k at
 * epoch 3^k). Values are stored as the coordinator stores them: Trial.values in objective order.
 */
export const MO_TRIALS: { number: number; status: "COMPLETED" | "PRUNED"; accuracy?: number; params: number; rung: number | null }[] = [
  { number: 0, status: "COMPLETED", accuracy: 0.9, params: 5000, rung: 2 },
  { number: 1, status: "COMPLETED", accuracy: 0.85, params: 1000, rung: 2 },
  { number: 2, status: "COMPLETED", accuracy: 0.8, params: 3000, rung: 2 },
  { number: 3, status: "COMPLETED", accuracy: 0.7, params: 500, rung: 2 },
  { number: 4, status: "PRUNED", params: 200, rung: 0 },
  { number: 5, status: "PRUNED", params: 800, rung: 1 },
  { number: 6, status: "COMPLETED", accuracy: 0.85, params: 1000, rung: 2 },
  { number: 7, status: "COMPLETED", accuracy: 0.9, params: 6000, rung: 2 },
];

/**
 * The front by hand: #2 (0.80, 3000) loses to #1 (0.85, 1000) on both; #7 (0.90, 6000) ties #0
 * on accuracy and is larger; #1 and #6 are equal, so neither dominates the other and both stay;
 * #0 is the most accurate, #3 the smallest; PRUNED trials have no vector.
 */
export const MO_FRONT = [0, 1, 3, 6];

/** Created before the other fixtures' studies, so it is listed last (newest first). */
export async function seedMultiObjectiveStudy(db: Db): Promise<string> {
  await db.study.create({
    data: {
      id: MO_STUDY, name: "mo-demo", task: "binary", metric: "accuracy", direction: "maximize",
      spec: {
        cv: { folds: 3, stratified: true },
        objective: { metric: "accuracy", direction: "maximize" },
        objectives: [{ metric: "accuracy", direction: "maximize" }, { metric: "params", direction: "minimize" }],
        pruner: { asha: { minEpochs: 1, reductionFactor: 3 } },
      },
      status: "COMPLETED", budgetTrials: MO_TRIALS.length, parallel: 1, seed: 3, createdAt: new Date("2024-06-01T10:00:00Z"),
    },
  });
  await db.trial.createMany({
    data: MO_TRIALS.map((t) => {
      const arch = { ...archOf(t.number), paramCount: t.params };
      return {
        id: `${MO_STUDY}-t${t.number}`, studyId: MO_STUDY, number: t.number, status: t.status, params: arch, ...arch, rung: t.rung,
        cvMean: t.accuracy ?? null, cvStd: t.accuracy === undefined ? null : 0.01,
        values: t.accuracy === undefined ? [] : [t.accuracy, t.params],
      };
    }),
  });
  return MO_STUDY;
}
