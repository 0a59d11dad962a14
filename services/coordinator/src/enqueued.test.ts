import { describe, expect, it } from "vitest";
import { AppError } from "@automl/common";
import { resolveEnqueued } from "./enqueued";
import { sampleRandom } from "./sampler";
import { parseStudyFile } from "./study-file";

const withSpace = `
name: enq
dataset: { builtin: xor, n: 100 }
task: binary
space:
  depth: { int: [1, 3] }
  width: { int: [2, 64], perLayer: true }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.01, 1.0], log: true }
  batchSize: { choice: [4, 16] }
  epochs: 10
objective: { metric: accuracy, direction: maximize }
budget: { trials: 6 }
seed: 7
trials:
  - { params: { depth: 2, widths: [8, 4], activation: tanh, learningRate: 0.1 }, label: base, trialSeed: 12345 }
  - { params: { depth: 3 } }
`;

const noSpace = `
name: exact
dataset: { builtin: xor, n: 100 }
task: binary
objective: { metric: accuracy, direction: maximize }
seed: 7
trials:
  - { params: { widths: [8], activations: [relu], learningRate: 0.1, batchSize: 8, epochs: 5 }, label: base }
  - { params: { widths: [8, 8], activation: abs, learningRate: 0.1, batchSize: 8, epochs: 5, momentum: 0.9 }, label: "depth+1" }
`;

function errorOf(text: string): string {
  try {
    parseStudyFile(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).message;
  }
  throw new Error("expected the study file to be rejected");
}

describe("enqueued trials", () => {
  it("fill what they do not give from the random sampler's draw for the same trial number", () => {
    const file = parseStudyFile(withSpace);
    expect(file.budget.trials).toBe(6);
    const [first, second] = file.trials!;
    const a = resolveEnqueued(first!, file.space, file.seed, 0);
    const drawn0 = sampleRandom(file.space!, file.seed, 0);
    expect(a).toEqual({ ...drawn0, depth: 2, widths: [8, 4], activations: ["tanh", "tanh"], learningRate: 0.1, label: "base", trialSeed: 12345 });
    const b = resolveEnqueued(second!, file.space, file.seed, 1);
    const drawn1 = sampleRandom(file.space!, file.seed, 1);
    expect(b.depth).toBe(3);
    expect(b.widths).toHaveLength(3);
    expect(b.activations).toHaveLength(3);
    expect(b.widths.slice(0, drawn1.depth)).toEqual(drawn1.widths.slice(0, 3));
    expect(b.learningRate).toBe(drawn1.learningRate);
    expect(b).not.toHaveProperty("label");
  });

  it("without a space run exactly the listed configurations, with the defaults for the rest", () => {
    const file = parseStudyFile(noSpace);
    expect(file.budget.trials).toBe(2);
    expect(file.space).toBeUndefined();
    const b = resolveEnqueued(file.trials![1]!, undefined, file.seed, 1);
    expect(b).toEqual({
      depth: 2, widths: [8, 8], activations: ["abs", "abs"], output: "", leakyAlpha: 0.01, maxoutPieces: 2,
      learningRate: 0.1, momentum: 0.9, weightDecay: 0, batchSize: 8, epochs: 5, label: "depth+1",
    });
    // A stored trial's params (label and seed inside) can be enqueued as they are; the entry's own label wins.
    const copied = parseStudyFile(noSpace.replace("label: base }", "label: copy }").replace("epochs: 5 }, label: copy", "epochs: 5, label: old, trialSeed: 9 }, label: copy"));
    expect(resolveEnqueued(copied.trials![0]!, undefined, 7, 0)).toMatchObject({ label: "copy", trialSeed: 9 });
  });

  it("name the field of every inconsistent or missing value", () => {
    expect(errorOf(noSpace.replace("widths: [8, 8], activation: abs", "depth: 3, widths: [8, 8], activation: abs"))).toContain("trials[1].params.widths: 2 widths for depth 3");
    expect(errorOf(noSpace.replace("learningRate: 0.1, batchSize: 8, epochs: 5 }, label: base", "batchSize: 8, epochs: 5 }, label: base"))).toContain(
      "trials[0].params.learningRate: required when the study has no space",
    );
    expect(errorOf(noSpace.replace("seed: 7", "seed: 7\nbudget: { trials: 3 }"))).toContain("space: required");
    expect(errorOf(noSpace.replace("seed: 7", "seed: 7\nbudget: { trials: 1 }"))).toContain("budget.trials: 1 is fewer than the 2 enqueued trials");
    expect(errorOf(noSpace.replace("activations: [relu]", "activations: [relu], output: softmax"))).toContain("trials[0].params.output: softmax is not an output unit");
    expect(errorOf(noSpace.replace("activations: [relu]", "activations: [relu], widht: 3"))).toContain("trials[0].params");
    expect(errorOf(withSpace.replace(/trials:\n[\s\S]*$/, "").replace("budget: { trials: 6 }", "budget: { parallel: 2 }"))).toContain("budget.trials: required");
  });
});
