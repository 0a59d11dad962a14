// The search benchmark suite: every method on every objective, ≥ 20 seeds, regret at fixed
// budgets; mean regret, mean rank, and a paired Wilcoxon test of our default sampler against
// Optuna's default TPE per objective. One JSON document on stdout; a markdown table to
// bench/search/results/suite.md.
//   npm run bench:search-suite
// Env: SUITE_SEEDS (20), SUITE_METHODS (comma list of names from methods.ts), SUITE_OBJECTIVES
// (comma list of name substrings),
// SUITE_TRIALS (160: the last checkpoint), SUITE_JOBS (parallel child processes, 2),
// SUITE_SECTIONS (comma list: trial-budget, multi-fidelity; default both), SUITE_MF_METHODS (comma
// list of names from multifidelity.ts MF_METHODS),
// SUITE_CACHE=0 (rerun Optuna instead of reusing bench/search/results/optuna-cache/<method>.jsonl,
// appended run by run and keyed by a fingerprint of each objective, so an interrupted suite
// resumes where it stopped).
// Work is split into "sections" (a set of objectives, budgets in trials or epochs, and a way to
// run one method once); each (section, method) pair runs in a child process.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRng } from "@automl/common";
import { drawPrior, mean, wilcoxonSignedRank } from "@automl/search";
import { ALL_METHODS, METHODS, OURS_DEFAULT, PEER_DEFAULT, type Method } from "./methods";
import { epochRegretCurve, epochsToReach, MF_BASELINE, MF_EPOCHS, MF_METHODS, runOursMf } from "./multifidelity";
import type { SuiteObjective } from "./objective";
import { OptunaBridge, runOurs } from "./runner";
import { SYNTHETIC_OBJECTIVES } from "./synthetic";
import { tableInfo, TABULAR_OBJECTIVES } from "./tabular";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, "..", "results");
const CACHE_DIR = path.join(RESULTS, "optuna-cache");
const SEEDS = Number(process.env.SUITE_SEEDS ?? 20);
const MAX_TRIALS = Number(process.env.SUITE_TRIALS ?? 160);
const JOBS = Number(process.env.SUITE_JOBS ?? 2);

export interface Section {
  name: string;
  unit: "trials" | "epochs";
  checkpoints: readonly number[];
  /** The checkpoints the tables show and the verdict reads (default all): the 10/20/40/80/160 of the issue. */
  display?: readonly number[];
  /** The paired comparison (Wilcoxon per objective, verdict): [ours, peer]. */
  compare: readonly [string, string];
  objectives: readonly SuiteObjective[];
  methods: readonly Method[];
  /** Regret at each checkpoint of one run. `bridge` is this process's Optuna bridge. */
  runOne(obj: SuiteObjective, method: Method, seed: number, bridge: () => OptunaBridge): Promise<number[]>;
}

const filterBy = <T extends { name: string }>(xs: readonly T[], env: string | undefined) =>
  env ? xs.filter((x) => env.split(",").some((s) => x.name.includes(s.trim()))) : [...xs];
/** SUITE_METHODS: exact names from ALL_METHODS; unset: the default list. */
const methodsFrom = (env: string | undefined) => (env ? ALL_METHODS.filter((m) => env.split(",").some((s) => m.name === s.trim())) : [...METHODS]);

const trialBudget: Section = {
  name: "trial-budget",
  unit: "trials",
  checkpoints: [10, 20, 40, 80, 160].filter((c) => c <= MAX_TRIALS),
  compare: [OURS_DEFAULT, PEER_DEFAULT],
  objectives: filterBy([...SYNTHETIC_OBJECTIVES, ...TABULAR_OBJECTIVES], process.env.SUITE_OBJECTIVES),
  methods: methodsFrom(process.env.SUITE_METHODS),
  async runOne(obj, method, seed, bridge) {
    if (method.side === "ours") return runOurs(obj, method.make!(), seed, this.checkpoints);
    return bridge().run(obj, method.optuna!, seed, this.checkpoints);
  },
};

// Samplers + pruners on the curve tables, in epochs: a checkpoint after every full training's worth
// of epochs (for the seed-averaged efficiency curve), the tables showing 10/20/40/80/160 of them.
const mfCheckpoints = Array.from({ length: MAX_TRIALS }, (_, i) => (i + 1) * MF_EPOCHS);
const multiFidelity: Section = {
  name: "multi-fidelity",
  unit: "epochs",
  checkpoints: mfCheckpoints,
  display: [10, 20, 40, 80, 160].filter((c) => c <= MAX_TRIALS).map((c) => c * MF_EPOCHS),
  compare: ["ours:tpe+asha", "optuna:tpe+sha"],
  objectives: filterBy(TABULAR_OBJECTIVES, process.env.SUITE_OBJECTIVES).filter((o) => {
    if (o.curve!.maxEpochs !== MF_EPOCHS) throw new Error(`${o.name}: ${o.curve!.maxEpochs} epochs, the multi-fidelity section assumes ${MF_EPOCHS}`);
    return true;
  }),
  methods: process.env.SUITE_MF_METHODS ? MF_METHODS.filter((m) => m.name === MF_BASELINE || process.env.SUITE_MF_METHODS!.split(",").some((s) => m.name === s.trim())) : [...MF_METHODS],
  async runOne(obj, method, seed, bridge) {
    const budget = this.checkpoints[this.checkpoints.length - 1]!;
    const trials =
      method.side === "ours"
        ? runOursMf(obj, method.make!(), method.pruner?.(), seed, budget)
        : await bridge().runMf(obj, method.optuna!, method.optunaPruner, seed, budget);
    return epochRegretCurve(obj, trials, this.checkpoints);
  },
};

const SECTIONS: Section[] = [trialBudget, multiFidelity].filter(
  (s) => s.objectives.length && (!process.env.SUITE_SECTIONS || process.env.SUITE_SECTIONS.split(",").some((n) => n.trim() === s.name)),
);

/** A fingerprint of an objective's values on fixed draws: cached Optuna runs are reused only for an unchanged objective. */
function fingerprint(obj: SuiteObjective): string {
  const rng = createRng(12345);
  let h = 2166136261;
  const text = JSON.stringify(obj.space) + Array.from({ length: 64 }, (_, i) => obj.evaluate(drawPrior(obj.space, rng), i).toPrecision(12)).join(",");
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16);
}

type Regrets = Record<string, number[][]>; // objective → seed → checkpoint

/** Child: one method of one section over every seed and objective (seed-major, so a partial run covers every objective). */
async function child(sectionName: string, methodName: string): Promise<void> {
  const section = SECTIONS.find((s) => s.name === sectionName)!;
  const method = section.methods.find((m) => m.name === methodName)!;
  const cacheFile = path.join(CACHE_DIR, `${method.name.replace(/[^a-z0-9-]+/gi, "_")}.jsonl`);
  const cached = new Map<string, number[]>();
  if (method.side === "optuna" && process.env.SUITE_CACHE !== "0" && existsSync(cacheFile)) {
    for (const line of readFileSync(cacheFile, "utf8").split("\n")) {
      if (line.trim()) {
        const { key, regrets } = JSON.parse(line) as { key: string; regrets: number[] };
        cached.set(key, regrets);
      }
    }
  }
  if (method.side === "optuna") mkdirSync(CACHE_DIR, { recursive: true });
  let bridge: OptunaBridge | undefined;
  const getBridge = () => (bridge ??= new OptunaBridge());
  const regrets: Regrets = Object.fromEntries(section.objectives.map((o) => [o.name, []]));
  const fps = new Map(section.objectives.map((o) => [o.name, fingerprint(o)]));
  const t0 = process.cpuUsage();
  for (let seed = 0; seed < SEEDS; seed++) {
    for (const obj of section.objectives) {
      const key = `${section.name}|${obj.name}|${fps.get(obj.name)}|${method.name}|${seed}|${section.checkpoints.join(",")}`;
      let r = cached.get(key);
      if (!r) {
        r = await section.runOne(obj, method, seed, getBridge);
        if (method.side === "optuna") appendFileSync(cacheFile, JSON.stringify({ key, regrets: r }) + "\n");
      }
      regrets[obj.name]![seed] = r;
    }
  }
  bridge?.close();
  const cpu = process.cpuUsage(t0);
  process.stdout.write(JSON.stringify({ regrets, cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + "\n");
}

function runChild(section: string, method: string): Promise<{ regrets: Regrets; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child", section, method], { stdio: ["ignore", "pipe", "inherit"] });
    // Children (and the Optuna processes they start) at niceness 10: the machine is shared.
    if (p.pid) os.setPriority(p.pid, Math.max(10, os.getPriority()));
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${section}/${method} exited ${code}`))));
  });
}

/** Ranks of xs (1 = smallest), ties sharing their average rank. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

interface ObjectiveSummary {
  name: string;
  meanRegret: Record<string, number[]>;
  meanRank: Record<string, number[]>;
  /** Ours default vs Optuna TPE default, per checkpoint: p, and seeds where ours is strictly better / worse. */
  wilcoxon: { checkpoint: number; pValue: number; oursBetter: number; oursWorse: number }[];
  efficiency?: { baseline: string; baselineFinalRegret: number; baselineEpochs: number; toReach: Record<string, { epochs: number; ratio: number } | null> };
}

function summarize(section: Section, full: Record<string, Regrets>) {
  let results = full;
  const methods = section.methods.map((m) => m.name).filter((m) => results[m]);
  const all = section.checkpoints;
  // Summaries at the displayed checkpoints; the full seed-averaged curve only for the efficiency reading.
  const cps = section.display ?? all;
  const pick = (r: number[]) => cps.map((c) => r[all.indexOf(c)]!);
  results = Object.fromEntries(Object.entries(results).map(([m, rs]) => [m, Object.fromEntries(Object.entries(rs).map(([o, seeds]) => [o, seeds.map(pick)]))]));
  const [ours, peer] = section.compare;
  const objectives: ObjectiveSummary[] = section.objectives.map((obj) => {
    const meanRegret: Record<string, number[]> = {};
    const rankSum: Record<string, number[]> = {};
    for (const m of methods) {
      meanRegret[m] = cps.map((_, c) => mean(results[m]![obj.name]!.map((r) => r[c]!)));
      rankSum[m] = cps.map(() => 0);
    }
    for (let s = 0; s < SEEDS; s++) {
      cps.forEach((_, c) => {
        const rk = ranks(methods.map((m) => results[m]![obj.name]![s]![c]!));
        methods.forEach((m, i) => (rankSum[m]![c]! += rk[i]! / SEEDS));
      });
    }
    const wilcoxon =
      results[ours] && results[peer]
        ? cps.map((checkpoint, c) => {
            const a = results[ours]![obj.name]!.map((r) => r[c]!);
            const b = results[peer]![obj.name]!.map((r) => r[c]!);
            return { checkpoint, pValue: wilcoxonSignedRank(a, b).pValue, oursBetter: a.filter((v, i) => v < b[i]!).length, oursWorse: a.filter((v, i) => v > b[i]!).length };
          })
        : [];
    // Multi-fidelity: epochs each method's seed-averaged regret curve needs to reach random search's final one.
    const efficiency =
      section.unit === "epochs" && full[MF_BASELINE]
        ? (() => {
            const curveOf = (m: string) => all.map((_, c) => mean(full[m]![obj.name]!.map((r) => r[c]!)));
            const target = curveOf(MF_BASELINE).at(-1)!;
            const total = all.at(-1)!;
            return { baseline: MF_BASELINE, baselineFinalRegret: target, baselineEpochs: total, toReach: Object.fromEntries(methods.map((m) => [m, epochsToReach(curveOf(m), all, target, total)])) };
          })()
        : undefined;
    return { name: obj.name, meanRegret, meanRank: rankSum, wilcoxon, ...(efficiency ? { efficiency } : {}) };
  });
  const meanRank = Object.fromEntries(methods.map((m) => [m, cps.map((_, c) => mean(objectives.map((o) => o.meanRank[m]![c]!)))]));
  // The 3rd and 4th displayed checkpoints: 40 and 80 trials (or full trainings' worth of epochs).
  const [c40, c80] = [cps[2], cps[3]];
  const at = (cp: number | undefined) => (cp === undefined ? -1 : cps.indexOf(cp));
  const beats = (o: ObjectiveSummary, cp: number | undefined) => o.meanRegret[ours]![at(cp)]! <= o.meanRegret[peer]![at(cp)]!;
  const verdict =
    results[ours] && results[peer] && at(c40) >= 0 && at(c80) >= 0
      ? {
          oursDefault: ours,
          peer,
          at: [c40!, c80!],
          objectivesNoWorseAt40And80: objectives.filter((o) => beats(o, c40) && beats(o, c80)).map((o) => o.name),
          fractionNoWorseAt40And80: objectives.filter((o) => beats(o, c40) && beats(o, c80)).length / objectives.length,
          bestMeanRankAt40: methods.reduce((a, b) => (meanRank[b]![at(c40)]! < meanRank[a]![at(c40)]! ? b : a)),
          bestMeanRankAt80: methods.reduce((a, b) => (meanRank[b]![at(c80)]! < meanRank[a]![at(c80)]! ? b : a)),
        }
      : undefined;
  return { name: section.name, unit: section.unit, checkpoints: cps, seeds: SEEDS, methods, objectives, meanRank, verdict };
}

type Summary = ReturnType<typeof summarize>;

const fmt = (v: number) => (v === 0 ? "0" : v < 0.001 ? v.toExponential(1) : v.toFixed(4));

function markdown(s: Summary, cpuSeconds: Record<string, number>, compare: readonly [string, string]): string {
  const cps = s.checkpoints;
  const perTrial = s.unit === "epochs" ? MF_EPOCHS : 1;
  // Epoch checkpoints are shown as full trainings' worth (×27 epochs) so both sections read alike.
  const label = (c: number) => (perTrial === 1 ? `${c}` : `${c / perTrial}×${perTrial}`);
  const lines = [`## ${s.name}: mean regret after N ${s.unit} (${s.seeds} seeds)`, ""];
  if (s.unit === "epochs") {
    lines.push(
      `Budgets in epochs spent, N×${MF_EPOCHS} = N full trainings' worth; a pruned trial costs only the epochs it ran. Regret of the best trial completed within the budget.`,
      "",
    );
  }
  lines.push(`Mean rank over objectives and seeds (1 = best of ${s.methods.length}):`, "");
  lines.push(`| method | ${cps.map((c) => `rank@${label(c)}`).join(" | ")} | Node CPU s |`, `|---|${cps.map(() => "---:").join("|")}|---:|`);
  for (const m of [...s.methods].sort((a, b) => s.meanRank[a]![cps.length - 2]! - s.meanRank[b]![cps.length - 2]!)) {
    lines.push(`| ${m} | ${s.meanRank[m]!.map((r) => r.toFixed(2)).join(" | ")} | ${cpuSeconds[m]?.toFixed(0) ?? ""} |`);
  }
  if (s.verdict) {
    const [a, b] = s.verdict.at.map(label);
    lines.push("", `${s.verdict.oursDefault} mean regret ≤ ${s.verdict.peer} at both ${a} and ${b} ${s.unit} on ${s.verdict.objectivesNoWorseAt40And80.length} of ${s.objectives.length} objectives; best mean rank at ${a}: ${s.verdict.bestMeanRankAt40}, at ${b}: ${s.verdict.bestMeanRankAt80}.`);
  }
  const effs = s.objectives.filter((o) => o.efficiency);
  if (effs.length) {
    const ms = s.methods.filter((m) => m !== MF_BASELINE);
    lines.push(
      "",
      `Epochs each method's seed-averaged regret curve needs to reach ${MF_BASELINE}'s final seed-averaged regret, as a fraction of ${MF_BASELINE}'s epochs (target ≤ 0.333; — never within the budget):`,
      "",
      `| objective | ${MF_BASELINE} final regret | ${ms.join(" | ")} |`,
      `|---|---:|${ms.map(() => "---:").join("|")}|`,
      ...effs.map((o) => `| ${o.name} | ${fmt(o.efficiency!.baselineFinalRegret)} | ${ms.map((m) => (o.efficiency!.toReach[m] ? o.efficiency!.toReach[m]!.ratio.toFixed(3) : "—")).join(" | ")} |`),
    );
  }
  const c80 = Math.min(3, cps.length - 1);
  for (const o of s.objectives) {
    lines.push("", `### ${o.name}`, "", `| method | ${cps.map((c) => `@${label(c)}`).join(" | ")} | rank@${label(cps[c80]!)} |`, `|---|${cps.map(() => "---:").join("|")}|---:|`);
    for (const m of [...s.methods].sort((a, b) => o.meanRegret[a]![c80]! - o.meanRegret[b]![c80]!)) {
      lines.push(`| ${m} | ${o.meanRegret[m]!.map(fmt).join(" | ")} | ${o.meanRank[m]![c80]!.toFixed(2)} |`);
    }
    if (o.wilcoxon.length) {
      lines.push("", `Wilcoxon ${compare[0]} vs ${compare[1]} (paired over seeds; better/worse seeds, two-sided p): ${o.wilcoxon.map((w) => `@${label(w.checkpoint)}: ${w.oursBetter}/${w.oursWorse}, p=${w.pValue.toPrecision(2)}`).join("; ")}`);
    }
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const jobs = SECTIONS.flatMap((s) => s.methods.map((m) => ({ section: s.name, method: m.name })));
  const out: Record<string, Record<string, Regrets>> = {};
  const cpu: Record<string, Record<string, number>> = {};
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const r = await runChild(job.section, job.method);
      ((out[job.section] ??= {})[job.method] = r.regrets), ((cpu[job.section] ??= {})[job.method] = r.cpuSeconds);
      process.stderr.write(`done ${job.section}/${job.method} (${r.cpuSeconds.toFixed(0)} CPU s)\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, JOBS) }, worker));
  const summaries = SECTIONS.map((s) => summarize(s, out[s.name]!));
  const tables = tableInfo();
  mkdirSync(RESULTS, { recursive: true });
  const md = [
    "# Search benchmark suite",
    "",
    `Generated by \`npm run bench:search-suite\` (${SEEDS} seeds; Optuna ${"3.1"} from Debian python3-optuna; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)} at the end).`,
    "Regret = optimum − true value of the incumbent (the best observed value). Lower is better.",
    "",
    ...(tables.length
      ? [
          "Curve tables (`bench/search/suite/tables/`, regenerated by `npm run bench:search-tables`; regret in mean 3-fold CV accuracy):",
          "",
          "| table | rows | diverged rows | epochs | generation wall time | machine |",
          "|---|---:|---:|---:|---:|---|",
          ...tables.map((t) => `| ${t.description} | ${t.rows} | ${t.diverged} | ${t.epochs} | ${t.generated.wallSeconds.toFixed(0)} s | ${t.generated.cpus}× ${t.generated.machine}, load ${t.generated.loadAverage} at the end |`),
          "",
        ]
      : []),
    ...summaries.map((s, i) => markdown(s, cpu[s.name] ?? {}, SECTIONS[i]!.compare)),
    "",
  ].join("\n");
  writeFileSync(path.join(RESULTS, "suite.md"), md);
  process.stdout.write(JSON.stringify({ benchmark: "search-suite", seeds: SEEDS, wallSeconds: (Date.now() - t0) / 1000, cpuSeconds: cpu, tables, sections: summaries }, null, 1) + "\n");
}

const i = process.argv.indexOf("--child");
if (i >= 0) await child(process.argv[i + 1]!, process.argv[i + 2]!);
else await main();
