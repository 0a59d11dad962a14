import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AppError, LIMITS } from "@automl/common";
import { paramCount, type Params } from "@automl/search";
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
    expect(s.cv).toEqual({ folds: 5, stratified: true, interleave: false });
    expect(s.sampler).toBe("auto");
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

describe("search settings", () => {
  it("accepts samplers, pruners with options, constraints and conditional per-layer dims", () => {
    const s = parseStudyFile(
      valid
        .replace("seed: 7", "seed: 7\nsampler: { tpe: { startupTrials: 4 } }\npruner: { asha: { minEpochs: 2, reductionFactor: 3 } }")
        .replace("  epochs: 10", "  epochs: 10\n  constraints: { maxParams: 5000 }"),
    );
    expect(s.sampler).toEqual({ tpe: { startupTrials: 4, candidates: expect.any(Number), gamma: expect.any(Number), maxGood: expect.any(Number), priorWeight: expect.any(Number), constantLiar: expect.any(Boolean), maxObservations: expect.any(Number) } });
    expect(s.pruner).toEqual({ asha: { minEpochs: 2, reductionFactor: 3 } });
    expect(s.space!.constraints).toEqual({ maxParams: 5000 });
    // The stored form parses again to the same study (the coordinator re-reads it from Postgres).
    expect(parseStudyFile(JSON.stringify(s))).toEqual(s);
    expect(parseStudyFile(valid).pruner).toBe("none");
  });

  it("names the field of a bad sampler, pruner or constraint", () => {
    expect(errorOf(valid.replace("seed: 7", "seed: 7\nsampler: bayes"))).toContain("sampler");
    expect(errorOf(valid.replace("seed: 7", "seed: 7\npruner: { asha: { reductionFactor: 1 } }"))).toContain("pruner.asha.reductionFactor");
    expect(errorOf(valid.replace("  epochs: 10", "  epochs: 10\n  constraints: { maxParams: -1 }"))).toContain("space.constraints.maxParams");
    const csv = valid.replace("{ builtin: xor, n: 100 }", "{ path: data.csv, target: y }").replace("  epochs: 10", "  epochs: 10\n  constraints: { maxFlops: 1000 }");
    expect(errorOf(csv)).toContain("space.constraints: need a builtin dataset");
  });

  it("the grid sampler states its size: an infinite grid or a budget beyond it is refused", () => {
    const grid = valid.replace("seed: 7", "seed: 7\nsampler: grid");
    expect(errorOf(grid)).toMatch(/sampler: grid: space\.learningRate.*infinitely many values/);
    const finite = grid.replace("learningRate: { float: [0.001, 1.0], log: true }", "learningRate: { choice: [0.01, 0.1] }").replace("width: { int: [2, 64], log: true, perLayer: true }", "width: { choice: [4, 8] }");
    expect(parseStudyFile(finite).sampler).toBe("grid");
    expect(errorOf(finite.replace("trials: 5", "trials: 5000"))).toMatch(/budget\.trials: the grid has \d+ points, fewer than the 5000 trials to sample/);
  });

  it("takes a list of objectives; the first CV metric is what workers score", () => {
    const multi = valid.replace("objective: { metric: accuracy, direction: maximize }", "objectives: [{ metric: params, direction: minimize }, { metric: accuracy, direction: maximize }, { metric: logloss, direction: minimize }]");
    const s = parseStudyFile(multi);
    expect(s.objective).toEqual({ metric: "accuracy", direction: "maximize" });
    expect(s.objectives.map((o) => o.metric)).toEqual(["params", "accuracy", "logloss"]);
    expect(parseStudyFile(JSON.stringify(s))).toEqual(s);
    expect(parseStudyFile(valid).objectives).toEqual([{ metric: "accuracy", direction: "maximize" }]);
    expect(errorOf(multi.replace("metric: logloss, direction: minimize", "metric: logloss, direction: maximize"))).toContain("objectives[2].direction: logloss should be minimized");
    expect(errorOf(multi.replace("metric: logloss", "metric: mse"))).toContain("objectives[2].metric: mse does not apply to a binary task");
    expect(errorOf(multi.replace("metric: logloss", "metric: accuracy"))).toContain("objectives[2].metric: accuracy is listed twice");
    expect(errorOf(valid.replace("objective: { metric: accuracy, direction: maximize }", "objectives: [{ metric: params, direction: minimize }]"))).toContain("objectives: needs a cross-validation metric");
    expect(errorOf(valid.replace("objective: { metric: accuracy, direction: maximize }", ""))).toContain("objective: required");
  });
});

function study(dataset: string, space: string, budget: string, extra = ""): string {
  return `name: big\ndataset: ${dataset}\ntask: multiclass\nspace: ${space}\nobjective: { metric: accuracy, direction: maximize }\nbudget: ${budget}\n${extra}`;
}

// The engine's parameter count through @automl/search's paramCount (an independent implementation of the layout).
function work(p: Pick<Params, "depth" | "widths" | "activations" | "maxoutPieces" | "epochs">, rows: number): number {
  const full: Params = { ...p, output: "", leakyAlpha: 0.01, learningRate: 0.1, momentum: 0, weightDecay: 0, batchSize: 32 };
  return p.epochs * paramCount(full, { inputDim: 784, outputDim: 10 }) * rows;
}

describe("compute bounded per study (LIMITS.trialWork, LIMITS.studyWork)", () => {
  it("refuses a space whose largest trial is too much work, naming the field and the figure", () => {
    const space = "{ depth: { int: [1, 3] }, width: { int: [16, 2000] }, activation: { choice: [relu, prelu] }, learningRate: 0.1, batchSize: 32, epochs: { int: [10, 5000] } }";
    const msg = errorOf(study("{ builtin: fashion-mnist }", space, "{ trials: 10 }"));
    const expected = work({ depth: 3, widths: [2000, 2000, 2000], activations: ["prelu", "prelu", "prelu"], maxoutPieces: 2, epochs: 5000 }, 60_000);
    expect(expected).toBeGreaterThan(LIMITS.trialWork);
    expect(msg).toMatch(/^space: /);
    expect(msg).toContain(expected.toExponential(2));
    expect(msg).toContain(LIMITS.trialWork.toExponential(2));
  });

  it("counts maxout's pieces, and space.constraints.maxParams caps the count", () => {
    const space = (extra: string) => `{ depth: 2, width: 1500, activation: maxout, maxoutPieces: 8, learningRate: 0.1, batchSize: 32, epochs: 1000${extra} }`;
    const expected = work({ depth: 2, widths: [1500, 1500], activations: ["maxout", "maxout"], maxoutPieces: 8, epochs: 1000 }, 60_000);
    expect(errorOf(study("{ builtin: fashion-mnist }", space(""), "{ trials: 1 }"))).toContain(expected.toExponential(2));
    expect(parseStudyFile(study("{ builtin: fashion-mnist }", space(", constraints: { maxParams: 100000 }"), "{ trials: 1 }")).name).toBe("big");
  });

  it("a subset (dataset.n) counts its rows only", () => {
    const space = "{ depth: 2, width: 1000, activation: relu, learningRate: 0.1, batchSize: 32, epochs: 2000 }";
    const p = { depth: 2, widths: [1000, 1000], activations: ["relu", "relu"], maxoutPieces: 2, epochs: 2000 };
    expect(work(p, 60_000)).toBeGreaterThan(LIMITS.trialWork);
    expect(work(p, 5_000)).toBeLessThan(LIMITS.trialWork);
    expect(errorOf(study("{ builtin: fashion-mnist }", space, "{ trials: 1 }"))).toMatch(/^space: /);
    expect(parseStudyFile(study("{ builtin: fashion-mnist, n: 5000 }", space, "{ trials: 1 }")).budget.trials).toBe(1);
  });

  it("refuses a study whose trials together are too much, naming budget.trials", () => {
    const space = "{ depth: 2, width: 1024, activation: relu, learningRate: 0.1, batchSize: 32, epochs: 100 }";
    const each = work({ depth: 2, widths: [1024, 1024], activations: ["relu", "relu"], maxoutPieces: 2, epochs: 100 }, 10_000);
    const over = Math.ceil(LIMITS.studyWork / each) + 1;
    const msg = errorOf(study("{ builtin: mnist }", space, `{ trials: ${over} }`));
    expect(msg).toMatch(/^budget\.trials: /);
    expect(msg).toContain((each * over).toExponential(2));
    expect(parseStudyFile(study("{ builtin: mnist }", space, `{ trials: ${over - 2} }`)).budget.trials).toBe(over - 2);
  });

  it("checks each enqueued trial by its own configuration", () => {
    const space = "{ depth: 1, width: 8, activation: relu, learningRate: 0.1, batchSize: 32, epochs: 5 }";
    const enqueued = "trials:\n  - params: { depth: 3, widths: [3000, 3000, 3000], activation: relu, epochs: 3000 }\n";
    expect(errorOf(study("{ builtin: fashion-mnist }", space, "{ trials: 2 }", enqueued))).toMatch(/^trials\[0\]\.params: /);
  });

  it("a CSV file counts dataset.n rows (its size is known only to workers, which check each trial's exact work)", () => {
    const space = "{ depth: 16, width: 4096, activation: relu, learningRate: 0.1, batchSize: 32, epochs: 1000 }";
    expect(errorOf(study("{ path: data.csv, target: y, n: 100000 }", space, "{ trials: 1 }"))).toMatch(/^space: /);
    // Without n the coordinator's figure is a lower bound (one row per fold): not refused here.
    expect(parseStudyFile(study("{ path: data.csv, target: y }", space, "{ trials: 1 }")).name).toBe("big");
  });

  it("every shipped example is within the limits", () => {
    const dir = join(__dirname, "..", "..", "..", "examples");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(parseStudyFile(readFileSync(join(dir, f), "utf8")).name, f).toBeTruthy();
  });
});
