// Search efficiency: random vs TPE vs TPE+ASHA on a fixed, cheap task (a stratified Fashion-MNIST
// subset, 2-fold CV), the same trial budget each, several seeds. Records best-so-far CV accuracy
// against trials and against epochs spent (every epoch of every fold counts), and reports how
// many epochs TPE+ASHA needed to reach random search's final best, as a fraction of random's.
// With the same trial budget TPE+ASHA stops after a fraction of random's epochs (most of its
// trials are pruned early), so its study then continues — the same sequence of trials, only
// longer — until it has spent as many epochs as random did (at most MAX_TRIALS): the "equal
// epochs" row. Its first TRIALS trials are exactly the same-trial-budget study.
//   npm run bench:search                 (BENCH_QUICK=1: 2 seeds, 10 trials — a smoke run)
// It drives the samplers, the pruner and crossValidate in-process exactly as the coordinator does
// (history of finished trials → suggest; fold 0's epochs as the fidelity → decide), without
// NATS/Postgres, so it measures search, not orchestration. Prints a table on stderr and one JSON
// document on stdout. Uses the native backend (OpenBLAS) when it loads, else plain TypeScript:
// the figures are in epochs, so the backend changes only the run time.
import os from "node:os";
import { kFoldSplits, loadBuiltinFile } from "@automl/datasets";
import { crossValidate, type Activation, type Backend } from "@automl/nn";
import { loadNative } from "@automl/nn-native";
import {
  AshaPruner,
  AutoSampler,
  BohbSampler,
  HyperbandPruner,
  parseSpace,
  RandomSampler,
  TpeSampler,
  DEFAULT_TPE_OPTIONS,
  type FinishedTrial,
  type Params,
  type Pruner,
  type Sampler,
  type TrialCurve,
} from "@automl/search";

const QUICK = process.env.BENCH_QUICK === "1";
const SEEDS = QUICK ? [1, 2] : [1, 2, 3, 4, 5, 6];
const TRIALS = QUICK ? 10 : 30;
const MAX_TRIALS = QUICK ? 30 : 200;
const N = 1000; // examples in the subset
const FOLDS = 2;
const EPOCHS = 9; // every trial's full budget; ASHA rungs at 3 and 9 epochs of fold 0
// Rung 0 at 3 epochs: after 1 epoch the ranking is mostly noise (it measured 0.387 with minEpochs 1).
const ASHA = { minEpochs: 3, reductionFactor: 3 };
const TPE = { ...DEFAULT_TPE_OPTIONS, startupTrials: 8 };

// Wide enough that most random draws are poor (tiny learning rates, saturating units, 256-example
// batches on 500 training rows): the situation where a model-based sampler and pruning pay off.
const space = parseSpace({
  depth: { int: [1, 3] },
  width: { int: [4, 128], log: true, perLayer: true },
  activation: { choice: ["relu", "leaky_relu", "tanh", "sigmoid"] },
  learningRate: { float: [1e-4, 2], log: true },
  momentum: { float: [0, 0.95] },
  batchSize: { choice: [16, 64, 256] },
  epochs: EPOCHS,
});

interface TrialRecord {
  number: number;
  status: "COMPLETE" | "PRUNED" | "FAILED";
  score: number | null;
  epochs: number;
  /** Epochs spent by the study up to and including this trial. */
  cumulativeEpochs: number;
  bestSoFar: number | null;
}

interface Method {
  name: string;
  sampler: Sampler;
  pruner?: Pruner;
  /**
   * The pruning signal: fold 0's validation accuracy at each epoch (default), or with `interleave`
   * the folds trained side by side (crossValidate { interleave: true }) and the mean over folds at
   * each epoch — what `cv: { interleave: true }` gives a study.
   */
  interleave?: boolean;
}

const HYPERBAND = { minEpochs: 1, maxEpochs: EPOCHS, reductionFactor: 3 };
const ALL_METHODS: Method[] = [
  { name: "random", sampler: new RandomSampler() },
  { name: "tpe", sampler: new TpeSampler(TPE) },
  { name: "tpe+asha", sampler: new TpeSampler(TPE), pruner: new AshaPruner(ASHA) },
  { name: "auto", sampler: new AutoSampler() },
  { name: "auto+asha", sampler: new AutoSampler(), pruner: new AshaPruner(ASHA) },
  { name: "auto+asha interleaved", sampler: new AutoSampler(), pruner: new AshaPruner(ASHA), interleave: true },
  { name: "random+hyperband", sampler: new RandomSampler(), pruner: new HyperbandPruner(HYPERBAND) },
  { name: "bohb", sampler: new BohbSampler({ minEpochs: HYPERBAND.minEpochs, reductionFactor: HYPERBAND.reductionFactor }), pruner: new HyperbandPruner(HYPERBAND) },
  { name: "bohb interleaved", sampler: new BohbSampler({ minEpochs: HYPERBAND.minEpochs, reductionFactor: HYPERBAND.reductionFactor }), pruner: new HyperbandPruner(HYPERBAND), interleave: true },
];
// BENCH_METHODS: a comma list of names (random is always run: the others are measured against it).
const methods = process.env.BENCH_METHODS
  ? ALL_METHODS.filter((m) => m.name === "random" || process.env.BENCH_METHODS!.split(",").includes(m.name))
  : ALL_METHODS;

const native = loadNative();
const backend: Backend | undefined = native.backend;
const data = loadBuiltinFile("fashion-mnist", { n: N, seed: 0 });
// One task for every method and seed: the same subset and the same folds (paired comparisons).
const folds = kFoldSplits(data.y, FOLDS, { stratified: true, seed: 0 });

/** One study: TRIALS trials proposed by the method's sampler from the history so far, pruned on fold 0's curve. */
async function runStudy(method: Method, seed: number, epochBudget?: number): Promise<TrialRecord[]> {
  const history: FinishedTrial[] = [];
  const curves: TrialCurve[] = [];
  const records: TrialRecord[] = [];
  let spent = 0;
  let best: number | null = null;
  // Without an epoch budget: TRIALS trials. With one: until it is spent (at least TRIALS trials).
  for (let number = 0; epochBudget === undefined ? number < TRIALS : number < TRIALS || (spent < epochBudget && number < MAX_TRIALS); number++) {
    const p: Params = method.sampler.suggest({ space, seed, number, trials: history, directions: ["maximize"] });
    const curve = new Map<number, number>();
    // Interleaved: the folds' values at the epoch being reported, averaged once every running fold is in.
    const atEpoch: number[] = [];
    let epochs = 0;
    const out = await crossValidate(
      { X: data.X, y: data.y, n: data.n, d: data.d },
      folds,
      { inputDim: data.d, hidden: p.widths, activation: p.activations as Activation[], task: "multiclass", outputDim: data.classes },
      { learningRate: p.learningRate, batchSize: p.batchSize, epochs: p.epochs, momentum: p.momentum },
      {
        seed: seed * 100_003 + number,
        metric: "accuracy",
        surface: false,
        ...(backend ? { backend } : {}),
        ...(method.interleave ? { interleave: true } : {}),
        onEpoch: (fold, r) => {
          epochs++;
          if (!method.pruner) return "continue";
          if (method.interleave) {
            atEpoch.push(r.validMetric);
            // The barrier calls folds in order: the last fold closes the epoch.
            if (fold !== FOLDS - 1) return "continue";
            curve.set(r.epoch, atEpoch.reduce((a, x) => a + x, 0) / atEpoch.length);
            atEpoch.length = 0;
          } else {
            if (fold !== 0) return "continue";
            curve.set(r.epoch, r.validMetric);
          }
          const d = method.pruner.decide({ trialNumber: number, epoch: r.epoch, value: curve.get(r.epoch)!, direction: "maximize", history: curves });
          return d.prune ? "stop" : "continue";
        },
      },
    );
    spent += epochs;
    const status = out.status === "completed" ? "COMPLETE" : out.status === "stopped" ? "PRUNED" : "FAILED";
    const score = status === "COMPLETE" && Number.isFinite(out.mean) ? out.mean : null;
    if (score !== null && (best === null || score > best)) best = score;
    // As the coordinator does (services/coordinator/src/history.ts): a diverged trial is pruned at step 0.
    const diverged = status === "FAILED";
    const intermediate = diverged ? new Map([[0, 0]]) : curve.size ? curve : undefined;
    history.push({ number, params: p, state: diverged ? "PRUNED" : score === null ? "FAILED" : status, ...(score !== null ? { values: [score] } : {}), ...(intermediate ? { intermediate } : {}) });
    curves.push({ number, state: status, intermediate: curve });
    records.push({ number, status, score, epochs, cumulativeEpochs: spent, bestSoFar: best });
  }
  return records;
}

/** Best-so-far after `e` epochs (the best score of the trials finished within e epochs), or null. */
function bestWithin(records: TrialRecord[], e: number): number | null {
  let b: number | null = null;
  for (const r of records) if (r.cumulativeEpochs <= e && r.bestSoFar !== null) b = r.bestSoFar;
  return b;
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
const fmt = (x: number | null, d = 4) => (x === null ? "—" : x.toFixed(d));

const started = performance.now();
const runs: Record<string, TrialRecord[][]> = {};
for (const m of methods) {
  runs[m.name] = [];
  for (const [i, seed] of SEEDS.entries()) {
    const t = performance.now();
    // TPE+ASHA goes on until it has spent what random search spent on the same seed.
    const budget = m.pruner ? runs.random![i]!.at(-1)!.cumulativeEpochs : undefined;
    runs[m.name]!.push(await runStudy(m, seed, budget));
    const r = runs[m.name]!.at(-1)!;
    process.stderr.write(`${m.name} seed ${seed}: best ${fmt(r.at(-1)!.bestSoFar)} in ${r.at(-1)!.cumulativeEpochs} epochs (${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
  }
}

// Per seed: the epochs TPE+ASHA spent until its best-so-far reached random's final best.
const HEADLINE = methods.some((m) => m.name === "tpe+asha") ? "tpe+asha" : methods.find((m) => m.pruner)?.name ?? methods.at(-1)!.name;
const perSeed = SEEDS.map((seed, i) => {
  const rnd = runs.random![i]!;
  const ta = runs[HEADLINE]![i]!;
  const target = rnd.at(-1)!.bestSoFar!;
  const reached = ta.find((r) => r.bestSoFar !== null && r.bestSoFar >= target);
  const randomEpochs = rnd.at(-1)!.cumulativeEpochs;
  return { seed, randomFinalBest: target, randomEpochs, tpeAshaEpochsToReach: reached?.cumulativeEpochs ?? null, ratio: reached ? reached.cumulativeEpochs / randomEpochs : null };
});

// Averaged over seeds: mean best-so-far against epochs; where does each method's mean curve reach
// random's mean final best?
const randomMeanFinal = mean(runs.random!.map((r) => r.at(-1)!.bestSoFar!));
const randomMeanEpochs = mean(runs.random!.map((r) => r.at(-1)!.cumulativeEpochs));
const maxEpochs = Math.max(...Object.values(runs).flatMap((rs) => rs.map((r) => r.at(-1)!.cumulativeEpochs)));
const grid = Array.from({ length: 61 }, (_, i) => Math.round((maxEpochs * i) / 60));
const meanCurve = (name: string) =>
  grid.map((e) => {
    const bs = runs[name]!.map((r) => bestWithin(r, e));
    return bs.every((b) => b !== null) ? mean(bs as number[]) : null;
  });
const curvesByEpochs = Object.fromEntries(methods.map((m) => [m.name, meanCurve(m.name)]));
/** The fewest epochs after which the method's seed-averaged best-so-far reaches random's mean final best (every epoch count at which one of its trials ended). */
function crossingOf(name: string): number | undefined {
  const ends = [...new Set(runs[name]!.flatMap((r) => r.map((x) => x.cumulativeEpochs)))].sort((a, b) => a - b);
  return ends.find((e) => {
    const bs = runs[name]!.map((r) => bestWithin(r, e));
    return bs.every((b) => b !== null) && mean(bs as number[]) >= randomMeanFinal;
  });
}
const crossings = Object.fromEntries(methods.filter((m) => m.name !== "random").map((m) => [m.name, crossingOf(m.name) ?? null]));
const crossing = crossings[HEADLINE] ?? undefined;
const curvesByTrials = Object.fromEntries(methods.map((m) => [m.name, Array.from({ length: TRIALS }, (_, k) => mean(runs[m.name]!.map((r) => r[k]!.bestSoFar ?? 0)))]));

const summarize = (method: string, rs: TrialRecord[][]) => ({
  method,
  trials: mean(rs.map((r) => r.length)),
  meanFinalBest: mean(rs.map((r) => r.at(-1)!.bestSoFar!)),
  meanEpochs: mean(rs.map((r) => r.at(-1)!.cumulativeEpochs)),
  prunedPerStudy: mean(rs.map((r) => r.filter((x) => x.status === "PRUNED").length)),
});
const summary = methods.flatMap((m) =>
  m.pruner
    ? [summarize(m.name, runs[m.name]!.map((r) => r.slice(0, TRIALS))), summarize(`${m.name}, equal epochs`, runs[m.name]!)]
    : [summarize(m.name, runs[m.name]!)],
);

const result = {
  benchmark: "search-efficiency",
  task: { dataset: "fashion-mnist", n: N, folds: FOLDS, epochsPerTrial: EPOCHS, trials: TRIALS, seeds: SEEDS, asha: ASHA, tpe: TPE },
  backend: backend?.name ?? "js",
  machine: { cpus: os.cpus().length, loadAverage: os.loadavg()[0] },
  summary,
  // The headline: epochs TPE+ASHA needed for its seed-averaged best-so-far to reach random's
  // seed-averaged final best, over random's mean epochs (target ≤ 1/3).
  averaged: { method: HEADLINE, randomMeanFinalBest: randomMeanFinal, randomMeanEpochs, tpeAshaEpochsToReach: crossing ?? null, ratio: crossing !== undefined ? crossing / randomMeanEpochs : null },
  // The same reading for every method: epochs to reach random's mean final best / random's mean epochs.
  ratios: Object.fromEntries(Object.entries(crossings).map(([k, e]) => [k, e === null ? null : e / randomMeanEpochs])),
  // The other reading of "averaged over seeds": the mean of the per-seed ratios (null unless every seed reached).
  perSeedRatio: { reached: perSeed.filter((x) => x.ratio !== null).length, of: perSeed.length, mean: perSeed.every((x) => x.ratio !== null) ? mean(perSeed.map((x) => x.ratio!)) : null },
  perSeed,
  curves: { epochsGrid: grid, bestSoFarByEpochs: curvesByEpochs, bestSoFarByTrials: curvesByTrials },
  wallSeconds: (performance.now() - started) / 1000,
};

const rows = summary.map((s) => `| ${s.method} | ${s.trials.toFixed(0)} | ${s.meanFinalBest.toFixed(4)} | ${s.meanEpochs.toFixed(0)} | ${s.prunedPerStudy.toFixed(1)} |`);
const checkpoints = [0.1, 0.2, 1 / 3, 0.5, 1].map((f) => Math.round(randomMeanEpochs * f));
const at = (name: string, e: number) => {
  const bs = runs[name]!.map((r) => bestWithin(r, e));
  return bs.every((b) => b !== null) ? mean(bs as number[]) : null;
};
process.stderr.write(
  [
    "",
    `Search efficiency — Fashion-MNIST ${N}-example subset, ${FOLDS}-fold CV, ${TRIALS} trials × ${EPOCHS} epochs, ${SEEDS.length} seeds (${result.backend} backend)`,
    "",
    "| method | trials | mean final best CV accuracy | mean epochs spent | pruned trials per study |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `| mean best-so-far after … epochs | ${checkpoints.map((e) => `${e}`).join(" | ")} |`,
    `|---|${checkpoints.map(() => "---").join("|")}|`,
    ...methods.map((m) => `| ${m.name} | ${checkpoints.map((e) => fmt(at(m.name, e))).join(" | ")} |`),
    "",
    ...Object.entries(crossings).map(([k, e]) => `${k} reached random's mean final best (${randomMeanFinal.toFixed(4)}) after ${e ?? "—"} epochs = ${e === null ? "never" : (e / randomMeanEpochs).toFixed(3)} of random's ${randomMeanEpochs.toFixed(0)} (target ≤ 0.333)`),
    `${HEADLINE} per seed: ${perSeed.map((s) => (s.ratio === null ? "not reached" : s.ratio.toFixed(3))).join(", ")}; mean of the per-seed ratios ${result.perSeedRatio.mean === null ? `— (${result.perSeedRatio.reached}/${result.perSeedRatio.of} reached)` : result.perSeedRatio.mean.toFixed(3)}`,
    "",
  ].join("\n"),
);
process.stdout.write(`${JSON.stringify(result)}\n`);
