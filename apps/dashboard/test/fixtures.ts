import type { Db } from "@automl/db/client";

type Status = "QUEUED" | "RUNNING" | "COMPLETED" | "PRUNED" | "FAILED" | "DIVERGED" | "CANCELLED";

/** The trials of the "xor-demo" study: several statuses, known scores, one tie on cvMean. */
export const XOR_TRIALS: { number: number; status: Status; cvMean?: number; cvStd?: number }[] = [
  { number: 0, status: "COMPLETED", cvMean: 0.8125, cvStd: 0.05 },
  { number: 1, status: "COMPLETED", cvMean: 0.95, cvStd: 0.0213 },
  { number: 2, status: "PRUNED" },
  { number: 3, status: "COMPLETED", cvMean: 0.6, cvStd: 0.1 },
  { number: 4, status: "FAILED" },
  { number: 5, status: "COMPLETED", cvMean: 0.95, cvStd: 0.01 },
  { number: 6, status: "DIVERGED" },
  { number: 7, status: "RUNNING" },
  { number: 8, status: "RUNNING" },
  { number: 9, status: "QUEUED" },
];

/** Expected leaderboard of "xor-demo" (maximize): by cvMean desc, ties by trial number. */
export const XOR_ORDER = [1, 5, 0, 3];

/** Trial number n gets a deterministic architecture, so pages can be checked cell by cell. */
export function archOf(n: number) {
  const depth = (n % 3) + 1;
  const widths = Array.from({ length: depth }, (_, i) => 16 >> i);
  return {
    depth,
    widths,
    activation: n % 2 === 0 ? "relu" : "tanh",
    learningRate: 0.0123456 * (n + 1),
    batchSize: n % 2 === 0 ? 16 : 64,
    paramCount: 1000 + n * 1234,
  };
}

/**
 * Two studies: "xor-demo" (maximize accuracy, older) and "regress-demo" (minimize mse, newer,
 * with a 3-trial budget all finished). Returns their ids.
 */
export async function seedStudies(db: Db): Promise<{ xor: string; regress: string }> {
  const xor = "study-xor";
  const regress = "study-regress";
  await db.study.create({
    data: {
      id: xor, name: "xor-demo", spec: {}, task: "binary", metric: "accuracy", direction: "maximize",
      budgetTrials: 40, parallel: 4, seed: 7, createdAt: new Date("2025-01-01T10:00:00Z"),
    },
  });
  await db.study.create({
    data: {
      id: regress, name: "regress-demo", spec: {}, task: "regression", metric: "mse", direction: "minimize",
      status: "COMPLETED", budgetTrials: 3, parallel: 1, seed: 1, createdAt: new Date("2025-02-01T10:00:00Z"),
    },
  });
  const trial = (studyId: string, t: { number: number; status: Status; cvMean?: number; cvStd?: number }) => {
    const arch = archOf(t.number);
    return { id: `${studyId}-t${t.number}`, studyId, number: t.number, status: t.status, params: arch, ...arch, cvMean: t.cvMean ?? null, cvStd: t.cvStd ?? null };
  };
  await db.trial.createMany({
    data: [
      ...XOR_TRIALS.map((t) => trial(xor, t)),
      trial(regress, { number: 0, status: "COMPLETED", cvMean: 0.5, cvStd: 0.1 }),
      trial(regress, { number: 1, status: "COMPLETED", cvMean: 0.25, cvStd: 0.05 }),
      trial(regress, { number: 2, status: "COMPLETED", cvMean: 0.75, cvStd: 0.2 }),
    ],
  });
  return { xor, regress };
}
