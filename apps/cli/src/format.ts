import { StudyStatus, TrialStatus, type Study, type Trial } from "@automl/proto";
import { paretoTrials, storedStudyFile, type Objective } from "@automl/coordinator";

export const trialStatusName = (s: TrialStatus) => TrialStatus[s].replace("TRIAL_STATUS_", "");
export const studyStatusName = (s: StudyStatus) => StudyStatus[s].replace("STUDY_STATUS_", "");

export function countOf(study: Study, status: TrialStatus): number {
  return study.counts.find((c) => c.status === status)?.count ?? 0;
}

export function finishedCount(study: Study): number {
  return study.counts
    .filter((c) => c.status !== TrialStatus.TRIAL_STATUS_QUEUED && c.status !== TrialStatus.TRIAL_STATUS_RUNNING)
    .reduce((a, c) => a + c.count, 0);
}

/** One line of progress, e.g. `xor-demo  12/40 done · 4 running · best accuracy 0.9875`. */
export function progressLine(study: Study): string {
  const best = study.best?.cvMean;
  return `${study.name}  ${finishedCount(study)}/${study.budgetTrials} done · ${countOf(study, TrialStatus.TRIAL_STATUS_RUNNING)} running` +
    (best !== undefined ? ` · best ${study.metric} ${best.toFixed(4)}` : "");
}

/** The study's objectives (one for a single-objective study). */
export function objectivesOf(study: Study): Objective[] {
  return study.specJson ? storedStudyFile(JSON.parse(study.specJson)).objectives : [{ metric: study.metric as Objective["metric"], direction: study.direction as Objective["direction"] }];
}

/** With several objectives: the completed trials no other trial beats on every objective; undefined with one. */
export function paretoFrontOf(study: Study, trials: Trial[]): Trial[] | undefined {
  const objectives = objectivesOf(study);
  if (objectives.length < 2) return undefined;
  return paretoTrials(objectives, study.metric, trials.filter((t) => t.status === TrialStatus.TRIAL_STATUS_COMPLETED));
}

/** The leaderboard as a plain-text table (the first `maxRows` ranked trials), and the Pareto front of a multi-objective study. */
export function leaderboardTable(study: Study, ranked: Trial[], maxRows = Infinity): string {
  const front = paretoFrontOf(study, ranked);
  const header = ["rank", "trial", `cv ${study.metric}`, "± std", "depth", "widths", "activation", "lr", "batch", "params"];
  const rows = ranked.slice(0, maxRows).map((t, i) => [
    String(i + 1),
    `#${t.number}`,
    t.cvMean?.toFixed(4) ?? "",
    t.cvStd?.toFixed(4) ?? "",
    String(t.depth),
    t.widths.join("×"),
    t.activation,
    t.learningRate.toPrecision(3),
    String(t.batchSize),
    String(t.paramCount),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd();
  const counts = study.counts.map((c) => `${trialStatusName(c.status).toLowerCase()} ${c.count}`).join(", ");
  return [
    `${study.name} (${study.id}) — ${studyStatusName(study.status).toLowerCase()}; ${counts}`,
    `objective: ${study.direction} ${study.metric}`,
    "",
    line(header),
    ...rows.map(line),
    ...(front
      ? [
          "",
          `Pareto front (${objectivesOf(study).map((o) => `${o.metric} ${o.direction === "maximize" ? "↑" : "↓"}`).join(", ")}): ` +
            front.map((t) => `#${t.number} (${t.cvMean?.toFixed(4)}, ${t.paramCount} params)`).join(", "),
        ]
      : []),
  ].join("\n");
}

/** The `--json` document: `{ study, trials: [...], best }`; `best` is the Pareto front (a list) when the study has several objectives. */
export function studyJson(study: Study, trials: Trial[]) {
  const toJson = (t: Trial) => ({
    id: t.id,
    number: t.number,
    status: trialStatusName(t.status),
    params: JSON.parse(t.paramsJson) as unknown,
    cv: t.cvMean === undefined ? null : { mean: t.cvMean, std: t.cvStd ?? null, folds: t.folds.map((f) => f.score) },
    paramCount: t.paramCount,
    attempt: t.attempt,
    workerId: t.workerId || null,
    error: t.error || null,
    divergedEpoch: t.divergedEpoch ?? null,
    backend: t.backend || null,
    startedAt: t.startedAt || null,
    finishedAt: t.finishedAt || null,
  });
  return {
    study: {
      id: study.id,
      name: study.name,
      status: studyStatusName(study.status),
      task: study.task,
      objective: { metric: study.metric, direction: study.direction },
      objectives: objectivesOf(study),
      budget: { trials: study.budgetTrials, parallel: study.parallel },
      counts: Object.fromEntries(study.counts.map((c) => [trialStatusName(c.status), c.count])),
      createdAt: study.createdAt,
      finishedAt: study.finishedAt || null,
    },
    trials: trials.map(toJson),
    best: ((front) => (front ? front.map(toJson) : study.best ? toJson(study.best) : null))(paretoFrontOf(study, trials)),
  };
}
