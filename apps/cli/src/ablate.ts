// `automl ablate <study-id | study-file> [--base <trial>] [--json] [--correction holm|bh]`:
// re-runs a base configuration and its one-factor-at-a-time variants as one study (same folds,
// same per-trial seed), then tests each variant against the base with the Nadeau–Bengio
// corrected resampled t-test, adjusts the p-values for the number of variants, prints the
// per-factor table and stores it (and the ablated study's parameter importance) in Postgres.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { AppError, grpcClientSecurity, type Logger } from "@automl/common";
import { natsCredentials, natsTls } from "@automl/messaging";
import { refreshImportance, trialSeed as derivedTrialSeed } from "@automl/coordinator";
import { createDb, type Db } from "@automl/db";
import { StudyStatus, TrialStatus, type Study, type Trial } from "@automl/proto";
import {
  ablationVariants,
  analyzeAblation,
  kFoldTestTrainRatio,
  mean,
  type AblationParams,
  type AblationRow,
  type Correction,
  type ParameterImportance,
  type SkippedVariant,
} from "@automl/search";
import { CoordinatorApi } from "./client";
import type { CliEnv } from "./env";
import { progressLine } from "./format";
import { importanceTable } from "./importance";
import { startEmbeddedStack } from "./stack";
import { prepareStudyFile } from "./study-input";

const LEVEL = 0.95;
const ALPHA = 0.05;
export const BASE_LABEL = "ablation:base";
const labelOf = (factor: string, variant: string) => `ablation:${factor}:${variant}`;

/** The params fields a study file's `trials[].params` accepts; anything else a trial stored stays behind. */
const ENQUEUABLE = ["depth", "widths", "activations", "output", "leakyAlpha", "maxoutPieces", "learningRate", "momentum", "weightDecay", "batchSize", "epochs"] as const;
function enqueuable(p: AblationParams): Record<string, unknown> {
  return Object.fromEntries(ENQUEUABLE.filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
}

/** Creates a study and reports progress on stderr until it is no longer running. */
async function runStudy(api: CoordinatorApi, studyFile: string): Promise<Study> {
  let study = await api.createStudy(studyFile);
  const tty = process.stderr.isTTY;
  let last = "";
  while (study.status === StudyStatus.STUDY_STATUS_RUNNING) {
    const line = progressLine(study);
    if (line !== last) process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    last = line;
    await new Promise((r) => setTimeout(r, 400));
    study = await api.getStudy(study.id);
  }
  process.stderr.write(tty ? `\r\x1b[K${progressLine(study)}\n` : `${progressLine(study)}\n`);
  return study;
}

const foldsOf = (t: Trial | undefined) => new Map((t?.folds ?? []).map((f) => [f.fold, f.score]));

/** The base trial: `--base` (a trial id, or `#n` / `n` for trial number n), else the study's best. */
function pickBase(study: Study, trials: Trial[], base: string | undefined): Trial {
  let t: Trial | undefined;
  if (base !== undefined) {
    const number = /^#?\d+$/.test(base) ? Number(base.replace("#", "")) : undefined;
    t = trials.find((x) => x.id === base || (number !== undefined && x.number === number));
    if (!t) throw new AppError("INVALID_ARGUMENT", `--base: no trial ${base} in study ${study.id}`);
    if (t.status !== TrialStatus.TRIAL_STATUS_COMPLETED) throw new AppError("INVALID_ARGUMENT", `--base: trial ${base} is not completed`);
  } else {
    const bestId = study.best?.id;
    const completed = trials.filter((x) => x.status === TrialStatus.TRIAL_STATUS_COMPLETED && x.cvMean !== undefined);
    const sign = study.direction === "minimize" ? 1 : -1;
    t = completed.find((x) => x.id === bestId) ?? completed.sort((a, b) => sign * (a.cvMean! - b.cvMean!))[0];
    if (!t) throw new AppError("FAILED_PRECONDITION", `study ${study.id} has no completed trial to ablate`);
  }
  if (t.folds.length < 2) throw new AppError("FAILED_PRECONDITION", `trial #${t.number} has ${t.folds.length} fold scores; an ablation needs at least 2`);
  return t;
}

export interface AblationResult {
  ablationId: string;
  study: Study;
  baseStudy: Study;
  baseTrial: Trial;
  baseRun: Trial | undefined;
  rows: (AblationRow & { trialId: string | null })[];
  skipped: SkippedVariant[];
  testTrainRatio: number;
  correction: Correction;
  importance: { importances: ParameterImportance[]; trials: number };
}

/** The ablation study file: the base study's data, task, CV and seed; the base and each variant enqueued with the base's seed. */
export function ablationStudyFile(baseStudy: Study, baseTrial: Trial, spec: Record<string, unknown>, variants: { label: string; params: AblationParams }[]): string {
  const seed = Number(spec.seed ?? 0);
  const baseParams = JSON.parse(baseTrial.paramsJson) as AblationParams;
  const trialSeed = typeof baseParams.trialSeed === "number" ? baseParams.trialSeed : derivedTrialSeed(seed, baseTrial.number);
  const budget = spec.budget as { parallel?: number } | undefined;
  const file: Record<string, unknown> = {
    name: `${baseStudy.name}-ablation`.slice(0, 200),
    dataset: spec.dataset,
    task: baseStudy.task,
    cv: spec.cv,
    objective: { metric: baseStudy.metric, direction: baseStudy.direction },
    seed,
    training: spec.training,
    budget: { trials: variants.length, parallel: budget?.parallel ?? 1 },
    trials: variants.map((v) => ({ params: enqueuable(v.params), trialSeed, label: v.label })),
  };
  if (spec.pool !== undefined) file.pool = spec.pool;
  return JSON.stringify(file);
}

async function store(db: Db, r: Omit<AblationResult, "ablationId" | "importance">): Promise<string> {
  const id = randomUUID();
  const skippedRows = r.skipped.map((s) => ({ factor: s.factor, variant: s.variant, skipReason: s.reason, n: 0, significant: false }));
  await db.ablation.create({
    data: {
      id,
      studyId: r.study.id,
      baseStudyId: r.baseStudy.id,
      baseTrialId: r.baseTrial.id,
      baseRunTrialId: r.baseRun?.id ?? null,
      correction: r.correction,
      level: LEVEL,
      testTrainRatio: r.testTrainRatio,
      metric: r.study.metric,
      direction: r.study.direction,
      rows: {
        create: [
          ...r.rows.map((row) => ({
            factor: row.factor,
            variant: row.variant,
            trialId: row.trialId,
            n: row.n,
            meanScore: row.meanScore,
            meanDiff: row.meanDiff,
            ciLow: row.ciLow,
            ciHigh: row.ciHigh,
            t: row.t,
            p: row.p,
            pAdjusted: row.pAdjusted,
            significant: row.significant,
          })),
          ...skippedRows,
        ].map((row, position) => ({ ...row, position })),
      },
    },
  });
  return id;
}

/** Runs the ablation end to end on a coordinator (embedded or distributed) and stores it. */
export async function runAblation(api: CoordinatorApi, db: Db, opts: { studyId: string; base?: string; correction: Correction }): Promise<AblationResult> {
  const baseStudy = await api.getStudy(opts.studyId);
  const trials = await api.listTrials(baseStudy.id, false);
  const baseTrial = pickBase(baseStudy, trials, opts.base);
  const spec = JSON.parse(baseStudy.specJson) as Record<string, unknown>;
  const space = spec.space as { activation?: unknown } | undefined;
  const searched = space && typeof space.activation === "object" && space.activation !== null ? (space.activation as { choice?: string[] }).choice : undefined;
  const plan = ablationVariants(JSON.parse(baseTrial.paramsJson) as AblationParams, {
    task: baseStudy.task as "binary" | "multiclass" | "regression",
    // The study's own choices when it searched several units, else every unit of the engine.
    activations: searched && searched.length > 1 ? searched : undefined,
  });
  const baseParams = JSON.parse(baseTrial.paramsJson) as AblationParams;
  const arms = [{ label: BASE_LABEL, params: baseParams }, ...plan.variants.map((v) => ({ label: labelOf(v.factor, v.variant), params: v.params }))];
  process.stderr.write(`ablating trial #${baseTrial.number} of ${baseStudy.name}: the base and ${plan.variants.length} variants (${plan.skipped.length} skipped)\n`);
  const study = await runStudy(api, ablationStudyFile(baseStudy, baseTrial, spec, arms));
  const runs = await api.listTrials(study.id, false);
  const byLabel = new Map(runs.map((t) => [(JSON.parse(t.paramsJson) as { label?: string }).label, t]));
  const baseRun = byLabel.get(BASE_LABEL);
  const folds = Number((spec.cv as { folds?: number } | undefined)?.folds ?? 5);
  const testTrainRatio = kFoldTestTrainRatio(folds);
  const analysed = analyzeAblation(
    foldsOf(baseRun),
    plan.variants.map((v) => ({ factor: v.factor, variant: v.variant, folds: foldsOf(byLabel.get(labelOf(v.factor, v.variant))) })),
    { testTrainRatio, level: LEVEL, correction: opts.correction, alpha: ALPHA },
  );
  const rows = analysed.map((row) => ({ ...row, trialId: byLabel.get(labelOf(row.factor, row.variant))?.id ?? null }));
  const partial = { study, baseStudy, baseTrial, baseRun, rows, skipped: plan.skipped, testTrainRatio, correction: opts.correction };
  const ablationId = await store(db, partial);
  const importance = await refreshImportance(db, baseStudy.id);
  return { ...partial, ablationId, importance };
}

const signed = (x: number | null, digits = 4) => (x === null ? "" : `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`);
const fmtP = (p: number | null) => (p === null ? "" : p < 1e-4 ? "<1e-4" : p.toFixed(4));
const fmtT = (t: number | null) => (t === null ? "" : Number.isFinite(t) ? t.toFixed(2) : t > 0 ? "+inf" : "-inf");

/** The per-factor table as plain text. */
export function ablationTable(r: AblationResult): string {
  const baseFolds = r.baseRun?.folds.map((f) => f.score) ?? [];
  const header = ["factor", "variant", `mean ${r.study.metric}`, "Δ vs base", `${Math.round(LEVEL * 100)}% CI of Δ`, "t", "p", `p adj (${r.correction})`, "sig"];
  const cells = r.rows.map((row) => [
    row.factor,
    row.variant,
    row.meanScore === null ? "no result" : row.meanScore.toFixed(4),
    signed(row.meanDiff),
    row.ciLow === null ? "" : `[${signed(row.ciLow)}, ${signed(row.ciHigh)}]`,
    fmtT(row.t),
    fmtP(row.p),
    fmtP(row.pAdjusted),
    row.significant ? "*" : "",
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((x) => x[c]!.length)));
  const line = (xs: string[]) => xs.map((x, c) => x.padEnd(widths[c]!)).join("  ").trimEnd();
  const p = JSON.parse(r.baseTrial.paramsJson) as AblationParams;
  const units = new Set(p.activations).size === 1 ? p.activations[0] : p.activations.join("/");
  return [
    `ablation of ${r.baseStudy.name} trial #${r.baseTrial.number} (study ${r.baseStudy.id}) → ablation study ${r.study.id}, stored as ${r.ablationId}`,
    `base: depth ${p.depth}, widths ${p.widths.join("×")}, ${units}${p.output ? `, output ${p.output}` : ""}; ` +
      `re-run ${r.study.metric} ${baseFolds.length ? mean(baseFolds).toFixed(4) : "(no result)"} over ${baseFolds.length} folds (original ${r.baseTrial.cvMean?.toFixed(4) ?? "?"})`,
    `Δ = variant − base per fold (same folds and seed); Nadeau–Bengio corrected resampled t, variance × (1/J + ${r.testTrainRatio.toFixed(4)}), ` +
      `df = J − 1; ${r.correction === "holm" ? "Holm–Bonferroni" : "Benjamini–Hochberg"}-adjusted p, * = adjusted p ≤ ${ALPHA}` +
      (r.study.direction === "minimize" ? `; ${r.study.metric} is minimized: Δ < 0 is better` : ""),
    "",
    line(header),
    ...cells.map(line),
    ...(r.skipped.length ? ["", ...r.skipped.map((s) => `skipped ${s.factor} ${s.variant}: ${s.reason}`)] : []),
    "",
    importanceTable(r.importance.importances, r.importance.trials),
  ].join("\n");
}

export function ablationJson(r: AblationResult) {
  const finite = (x: number | null) => (x === null || Number.isFinite(x) ? x : x > 0 ? "Infinity" : "-Infinity");
  return {
    ablation: { id: r.ablationId, studyId: r.study.id, baseStudyId: r.baseStudy.id, baseTrialId: r.baseTrial.id, metric: r.study.metric, direction: r.study.direction, correction: r.correction, level: LEVEL, alpha: ALPHA, testTrainRatio: r.testTrainRatio },
    base: { trialId: r.baseRun?.id ?? null, params: JSON.parse(r.baseTrial.paramsJson) as unknown, folds: r.baseRun?.folds.map((f) => f.score) ?? [] },
    rows: r.rows.map((row) => ({ ...row, t: finite(row.t) })),
    skipped: r.skipped,
    importance: r.importance,
  };
}

/** The `ablate` command. */
export async function ablate(args: string[], env: CliEnv, log: Logger): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { base: { type: "string" }, json: { type: "boolean" }, correction: { type: "string" } } });
  const target = positionals[0];
  if (!target) throw new AppError("INVALID_ARGUMENT", "ablate: a study id or a study file is required");
  const correction = values.correction ?? "holm";
  if (correction !== "holm" && correction !== "bh") throw new AppError("INVALID_ARGUMENT", `--correction: expected holm or bh, got ${correction}`);
  const isFile = existsSync(target) || /\.(ya?ml|json)$/i.test(target);
  // Check the file (and upload its dataset) before starting anything.
  const studyFile = isFile ? await prepareStudyFile(target, env.AUTOML_DATABASE_URL ? { mode: "upload", natsUrl: env.AUTOML_NATS_URL, credentials: natsCredentials(env), tls: natsTls(env) } : { mode: "embedded" }) : undefined;

  const stack = env.AUTOML_DATABASE_URL ? undefined : await startEmbeddedStack(env, log, Math.max(1, availableParallelism()));
  const api = stack ? new CoordinatorApi(stack.coordinatorAddr, stack.coordinatorSecurity) : new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR, grpcClientSecurity(env));
  const db = stack?.db ?? createDb(env.AUTOML_DATABASE_URL!);
  try {
    let studyId = target;
    if (studyFile !== undefined) {
      const s = await runStudy(api, studyFile);
      if (s.status !== StudyStatus.STUDY_STATUS_COMPLETED) throw new AppError("FAILED_PRECONDITION", `study ${s.id} ended ${StudyStatus[s.status]}; nothing to ablate`);
      studyId = s.id;
    }
    const result = await runAblation(api, db, { studyId, base: values.base, correction });
    process.stdout.write(values.json ? `${JSON.stringify(ablationJson(result), null, 2)}\n` : `\n${ablationTable(result)}\n`);
    return result.study.status === StudyStatus.STUDY_STATUS_COMPLETED && result.baseRun?.folds.length ? 0 : 1;
  } finally {
    api.close();
    if (stack) await stack.stop();
    else await db.$disconnect();
  }
}

/** The `importance` command: computes, stores and prints a study's parameter importance. */
export async function importance(args: string[], env: CliEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" } } });
  const studyId = positionals[0];
  if (!studyId) throw new AppError("INVALID_ARGUMENT", "importance: a study id is required");
  if (!env.AUTOML_DATABASE_URL) throw new AppError("INVALID_ARGUMENT", "AUTOML_DATABASE_URL: required for this command");
  const db = createDb(env.AUTOML_DATABASE_URL);
  try {
    if (!(await db.study.findUnique({ where: { id: studyId }, select: { id: true } }))) throw new AppError("NOT_FOUND", `study ${studyId} not found`);
    const r = await refreshImportance(db, studyId);
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${importanceTable(r.importances, r.trials)}\n`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}
