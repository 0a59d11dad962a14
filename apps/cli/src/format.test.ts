import { describe, expect, it } from "vitest";
import { Study, StudyStatus, Trial, TrialStatus } from "@automl/proto";
import { leaderboardTable, studyJson } from "./format";

const spec = (objectives: object[]) => JSON.stringify({ objective: { metric: "accuracy", direction: "maximize" }, objectives, budget: { trials: 4 } });
const trial = (number: number, cvMean: number, paramCount: number) =>
  Trial.fromPartial({ id: `t${number}`, number, status: TrialStatus.TRIAL_STATUS_COMPLETED, cvMean, paramCount, paramsJson: "{}", widths: [4], folds: [{ fold: 0, score: cvMean, metrics: { accuracy: cvMean } }] });
// (0.9, 100), (0.95, 400) and (0.8, 10) trade off; (0.85, 200) is beaten by (0.9, 100) on both.
const trials = [trial(0, 0.9, 100), trial(1, 0.85, 200), trial(2, 0.95, 400), trial(3, 0.8, 10)];

describe("run --json and leaderboard", () => {
  it("best is the Pareto front when the study has several objectives", () => {
    const study = Study.fromPartial({ id: "s", name: "multi", status: StudyStatus.STUDY_STATUS_COMPLETED, metric: "accuracy", direction: "maximize", best: trials[2], specJson: spec([{ metric: "accuracy", direction: "maximize" }, { metric: "params", direction: "minimize" }]) });
    const doc = studyJson(study, trials);
    expect(Array.isArray(doc.best)).toBe(true);
    expect((doc.best as { number: number }[]).map((t) => t.number)).toEqual([0, 2, 3]);
    expect(doc.study.objectives.map((o) => o.metric)).toEqual(["accuracy", "params"]);
    expect(leaderboardTable(study, trials, 2)).toContain("Pareto front (accuracy ↑, params ↓): #0 (0.9000, 100 params), #2 (0.9500, 400 params), #3 (0.8000, 10 params)");
  });

  it("best stays the single best trial with one objective", () => {
    const study = Study.fromPartial({ id: "s", name: "single", status: StudyStatus.STUDY_STATUS_COMPLETED, metric: "accuracy", direction: "maximize", best: trials[2], specJson: spec([{ metric: "accuracy", direction: "maximize" }]) });
    expect((studyJson(study, trials).best as { number: number }).number).toBe(2);
    expect(leaderboardTable(study, trials)).not.toContain("Pareto");
  });

  it("trials carry their start and finish times, null before a worker ran them", () => {
    const study = Study.fromPartial({ id: "s", name: "single", status: StudyStatus.STUDY_STATUS_COMPLETED, metric: "accuracy", direction: "maximize", specJson: spec([{ metric: "accuracy", direction: "maximize" }]) });
    const ran = Trial.fromPartial({ ...trials[0], startedAt: "2026-12-04T05:00:00.000Z", finishedAt: "2026-12-04T05:00:02.500Z" });
    const doc = studyJson(study, [ran, trials[1]!]);
    expect(doc.trials.map((t) => [t.startedAt, t.finishedAt])).toEqual([["2026-12-04T05:00:00.000Z", "2026-12-04T05:00:02.500Z"], [null, null]]);
  });
});
