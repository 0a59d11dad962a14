import { describe, expect, it } from "vitest";
import { Trial, TrialStatus } from "@automl/proto";
import { comparePaths, csvField, csvRecord, exportHeader, exportRow, flattenParams, jsonlRecord } from "./export-trials";

describe("export-trials rows", () => {
  it("flattens nested params to dotted paths, lists by index", () => {
    const flat = flattenParams({ depth: 2, widths: [8, 4], activations: ["relu", "tanh"], training: { schedule: { type: "step", gamma: 0.5 } }, label: null, empty: [] });
    expect(Object.fromEntries(flat)).toEqual({
      "params.depth": 2,
      "params.widths.0": 8,
      "params.widths.1": 4,
      "params.activations.0": "relu",
      "params.activations.1": "tanh",
      "params.training.schedule.type": "step",
      "params.training.schedule.gamma": 0.5,
      "params.label": null,
    });
  });

  it("orders paths segment by segment, indices as numbers", () => {
    const paths = ["params.widths.10", "params.widths.2", "params.depth", "params.widths", "params.activations.0", "params.a.b"];
    expect([...paths].sort(comparePaths)).toEqual(["params.a.b", "params.activations.0", "params.depth", "params.widths", "params.widths.2", "params.widths.10"]);
  });

  it("quotes CSV fields as RFC 4180 says, and writes missing and non-finite numbers as empty", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(null)).toBe("");
    expect(csvField(Number.NaN)).toBe("");
    expect(csvField(Number.POSITIVE_INFINITY)).toBe("");
    expect(csvField(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(csvField(false)).toBe("false");
    expect(csvRecord(["a", 1, null, 'x"y'])).toBe('a,1,,"x""y"\r\n');
    expect(jsonlRecord(["a", "b", "c"], { a: 1, b: Number.NaN })).toBe('{"a":1,"b":null,"c":null}\n');
  });

  it("makes one row per trial: folds by index, epochs reached, objectives, duration", () => {
    const layout = { params: ["params.widths.0", "params.widths.1"], folds: 3, objectives: ["accuracy", "params"] };
    const t = Trial.fromPartial({
      id: "t7", number: 7, status: TrialStatus.TRIAL_STATUS_PRUNED, paramsJson: JSON.stringify({ widths: [5] }), cvMean: 0.75, paramCount: 21,
      folds: [{ fold: 1, score: 0.5, epochs: 3 }, { fold: 0, score: 1, epochs: 1 }], rung: 1, values: [0.75, 21], backend: "js", attempt: 1,
      startedAt: "2026-12-04T05:00:00.000Z", finishedAt: "2026-12-04T05:00:02.500Z",
    });
    const header = exportHeader(layout);
    expect(header.slice(0, 9)).toEqual(["number", "id", "status", "params.widths.0", "params.widths.1", "cv_mean", "cv_std", "fold_0", "fold_1"]);
    expect(exportRow(t, layout)).toEqual({
      number: 7, id: "t7", status: "PRUNED", "params.widths.0": 5, "params.widths.1": null, cv_mean: 0.75, cv_std: null,
      fold_0: 1, fold_1: 0.5, fold_2: null, epochs: 3, rung: 1, "objective.accuracy": 0.75, "objective.params": 21, param_count: 21,
      backend: "js", attempt: 1, worker_id: null, diverged_epoch: null, error: null,
      started_at: "2026-12-04T05:00:00.000Z", finished_at: "2026-12-04T05:00:02.500Z", duration_s: 2.5,
    });
    expect(Object.keys(exportRow(t, layout))).toEqual(header);
  });
});
