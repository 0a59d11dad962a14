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

/**
 * Per-fold offsets from cvMean (each sums to 0, so the fold mean is cvMean). Against the best
 * (#1), #5 differs by zero on average (not significant, p = 1); #0 and #3 are clearly worse.
 */
export const FOLD_OFFSETS: Record<number, number[]> = {
  0: [0.05, -0.05, 0.02, -0.02, 0],
  1: [0.02, -0.01, 0, -0.02, 0.01],
  3: [0.1, -0.1, 0.05, -0.05, 0],
  5: [-0.02, 0.01, 0.03, -0.01, -0.01],
};
export const EPOCHS = 10;
export const SURFACE_GRID = 16;

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
      id: xor, name: "xor-demo", spec: { cv: { folds: 5, stratified: true } }, task: "binary", metric: "accuracy", direction: "maximize",
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
  // Folds, learning curves with diagnostics and a decision surface for the COMPLETED xor trials,
  // shaped as the worker reports them (packages/nn: EpochDiagnostics, DecisionSurface).
  for (const t of XOR_TRIALS) {
    const offs = FOLD_OFFSETS[t.number];
    if (!offs || t.cvMean === undefined) continue;
    const trialId = `${xor}-t${t.number}`;
    const { depth, activation } = archOf(t.number);
    await db.foldResult.createMany({
      data: offs.map((o, fold) => ({
        trialId, fold, score: t.cvMean! + o, loss: 0.3 - o, epochs: EPOCHS,
        metrics: { accuracy: t.cvMean! + o, logloss: 0.3 - o },
      })),
    });
    await db.epochMetric.createMany({
      data: offs.flatMap((_, fold) =>
        Array.from({ length: EPOCHS }, (_, e) => ({
          trialId, fold, epoch: e + 1,
          trainLoss: 0.7 * Math.exp(-e / 3) + 0.05 + 0.01 * fold,
          validLoss: 0.7 * Math.exp(-e / 4) + 0.1 + 0.01 * fold,
          validMetric: Math.min(1, 0.5 + 0.05 * e + 0.01 * fold),
          diagnostics: {
            gradNorms: Array.from({ length: depth + 1 }, (_, l) => 2 ** -l * Math.exp(-e / 4) + 1e-3),
            deadFraction: Array.from({ length: depth }, (_, l) => (activation === "relu" ? Math.min(0.5, 0.02 * e * (l + 1)) : null)),
            weightNorms: Array.from({ length: depth + 1 }, () => 1 + 0.1 * e),
          },
        })),
      ),
    });
    const g = SURFACE_GRID;
    await db.trial.update({
      where: { id: trialId },
      data: {
        backend: "ts", workerId: `worker-${t.number % 2}`, attempt: 1,
        startedAt: new Date("2025-01-01T10:01:00Z"), finishedAt: new Date("2025-01-01T10:02:30Z"),
        // XOR-like: P(class 1) high where the signs of x and y differ.
        surface: {
          grid: g, x: [-1.2, 1.2], y: [-1.2, 1.2], regions: 7 + t.number,
          values: Array.from({ length: g * g }, (_, i) => {
            const x = ((i % g) / (g - 1)) * 2 - 1;
            const y = (Math.floor(i / g) / (g - 1)) * 2 - 1;
            return 1 / (1 + Math.exp(8 * x * y));
          }),
        },
      },
    });
  }
  return { xor, regress };
}
