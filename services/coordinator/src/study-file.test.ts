import { describe, expect, it } from "vitest";
import { AppError } from "@automl/common";
import { parseStudyFile } from "./study-file";

const valid = `
name: demo
dataset: { builtin: xor, n: 100 }
task: binary
space:
  depth: { int: [1, 3] }
  width: { int: [2, 64], log: true, perLayer: true }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.001, 1.0], log: true }
  batchSize: { choice: [4, 16] }
  epochs: 10
objective: { metric: accuracy, direction: maximize }
budget: { trials: 5, parallel: 2 }
seed: 7
`;

function errorOf(text: string): string {
  try {
    parseStudyFile(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("INVALID_ARGUMENT");
    return (err as AppError).message;
  }
  throw new Error("expected the study file to be rejected");
}

describe("parseStudyFile", () => {
  it("accepts the documented form and fills defaults", () => {
    const s = parseStudyFile(valid);
    expect(s.cv).toEqual({ folds: 5, stratified: true });
    expect(s.sampler).toBe("random");
    expect(s.pool).toBe("cpu");
    expect(s.dataset).toEqual({ builtin: "xor", n: 100, noise: 0.1, split: "train" });
    expect(s.training).toEqual({ init: "auto", schedule: { type: "constant" } });
    expect(s.space).toMatchObject({ leakyAlpha: 0.01, maxoutPieces: 2, momentum: 0, weightDecay: 0 });
  });

  it("accepts JSON as well as YAML", () => {
    const s = parseStudyFile(JSON.stringify({ ...parseStudyFile(valid), name: "json" }));
    expect(s.name).toBe("json");
  });

  it.each([
    ["depth: { int: [3, 1] }", "space.depth.int: lower bound 3 is above upper bound 1"],
    ["depth: 0", "space.depth"],
    ["activation: { choice: [relu, swish] }", "space.activation.choice[1]"],
    ["learningRate: { float: [0, 1], log: true }", "space.learningRate.float: a log-scaled range must be positive"],
    ["batchSize: { choice: [] }", "space.batchSize.choice"],
  ])("names the field for %s", (line, expected) => {
    const key = line.split(":")[0]!;
    const text = valid.replace(new RegExp(`  ${key}: .*`), `  ${line}`);
    expect(errorOf(text)).toContain(expected);
  });

  it("rejects unknown fields, wrong metrics for the task and impossible budgets", () => {
    expect(errorOf(`${valid}\nextra: 1`)).toContain("extra");
    expect(errorOf(valid.replace("metric: accuracy, direction: maximize", "metric: mse, direction: minimize"))).toContain("objective.metric");
    expect(errorOf(valid.replace("trials: 5", "trials: 0"))).toContain("budget.trials");
    expect(errorOf(valid.replace("builtin: xor", "builtin: spirals"))).toContain("task");
  });

  it("checks output units and datasets against the task", () => {
    expect(errorOf(valid.replace("  epochs: 10", "  epochs: 10\n  output: { choice: [sigmoid, softmax] }"))).toContain(
      "space.output.choice[1]: softmax is not an output unit for a binary task",
    );
    expect(errorOf(valid.replace("builtin: xor, n: 100", "builtin: fashion-mnist"))).toContain("task: the fashion-mnist dataset is multiclass");
    expect(errorOf(valid.replace("{ builtin: xor, n: 100 }", "{ target: y }"))).toContain("dataset");
    const csv = parseStudyFile(valid.replace("{ builtin: xor, n: 100 }", "{ path: data.csv, target: y, categorical: [city] }"));
    expect(csv.dataset).toEqual({ path: "data.csv", target: "y", categorical: ["city"], format: "csv" });
  });

  it("accepts the whole design space: every unit, per-layer wiring, training options", () => {
    const s = parseStudyFile(
      valid
        .replace("activation: { choice: [relu, tanh] }", "activation: { choice: [relu, leaky_relu, abs, prelu, maxout, sigmoid, tanh], perLayer: true }")
        .replace("  epochs: 10", "  epochs: 10\n  maxoutPieces: { int: [2, 4] }\n  momentum: { float: [0, 0.9] }\n  weightDecay: { float: [0.00001, 0.01], log: true }")
        .replace("seed: 7", "seed: 7\ntraining: { init: he, schedule: { type: step, everyEpochs: 5, gamma: 0.5 }, clipNorm: 5, earlyStopping: { patience: 3, validationFraction: 0.1 } }"),
    );
    expect(s.training.schedule).toEqual({ type: "step", everyEpochs: 5, gamma: 0.5 });
    expect(s.space!.activation).toMatchObject({ perLayer: true });
    expect(errorOf(valid.replace("seed: 7", "seed: 7\ntraining: { schedule: { type: step, gamma: 2 } }"))).toContain("training.schedule");
  });

  it("explains files that are not a mapping or not YAML", () => {
    expect(errorOf("- a\n- b")).toContain("mapping");
    expect(errorOf("name: [unclosed")).toContain("not valid YAML");
  });
});
