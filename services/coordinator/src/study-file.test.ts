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
    expect(s.dataset).toEqual({ builtin: "xor", n: 100, noise: 0.1 });
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

  it("explains files that are not a mapping or not YAML", () => {
    expect(errorOf("- a\n- b")).toContain("mapping");
    expect(errorOf("name: [unclosed")).toContain("not valid YAML");
  });
});
