import { describe, expect, it } from "vitest";
import { parseStudyFile, trialSeed } from "@automl/coordinator";
import { StudyStatus, TrialStatus, type Study, type Trial } from "@automl/proto";
import { ablationVariants, type AblationParams } from "@automl/search";
import { ablationStudyFile, BASE_LABEL } from "./ablate";

const spec = parseStudyFile(`
name: spirals
dataset: { builtin: spirals, n: 200, classes: 3 }
task: multiclass
space:
  depth: { int: [1, 3] }
  width: { int: [4, 32], perLayer: true }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.01, 0.5], log: true }
  batchSize: 16
  epochs: 5
cv: { folds: 4 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 10, parallel: 3 }
seed: 9
`);

const params: AblationParams = { depth: 2, widths: [16, 8], activations: ["relu", "relu"], output: "", learningRate: 0.1, batchSize: 16, epochs: 5, momentum: 0, weightDecay: 0, leakyAlpha: 0.01, maxoutPieces: 2 };
const study = { id: "s", name: "spirals", task: "multiclass", metric: "accuracy", direction: "maximize", status: StudyStatus.STUDY_STATUS_COMPLETED } as Study;
const trial = { id: "t", number: 6, status: TrialStatus.TRIAL_STATUS_COMPLETED, paramsJson: JSON.stringify(params), folds: [] } as unknown as Trial;

describe("the ablation study file", () => {
  const plan = ablationVariants(params, { task: "multiclass" });
  const arms = [{ label: BASE_LABEL, params }, ...plan.variants.map((v) => ({ label: `ablation:${v.factor}:${v.variant}`, params: v.params }))];
  const file = parseStudyFile(ablationStudyFile(study, trial, spec as unknown as Record<string, unknown>, arms));

  it("is a valid study file with the base study's data, task, folds and seed, one trial per arm", () => {
    expect(file).toMatchObject({ task: "multiclass", cv: { folds: 4 }, seed: 9, dataset: spec.dataset, budget: { trials: arms.length, parallel: 3 } });
    expect(file.trials).toHaveLength(arms.length);
  });

  it("gives every arm the base trial's own seed (derived from study seed and number when not stored)", () => {
    const seed = trialSeed(9, 6);
    expect(file.trials!.map((t) => t.trialSeed)).toEqual(arms.map(() => seed));
    const stored = parseStudyFile(ablationStudyFile(study, { ...trial, paramsJson: JSON.stringify({ ...params, trialSeed: 77 }) } as Trial, spec as unknown as Record<string, unknown>, arms));
    expect(new Set(stored.trials!.map((t) => t.trialSeed))).toEqual(new Set([77]));
  });

  it("carries each arm's configuration and label", () => {
    file.trials!.forEach((t, i) => {
      expect(t.label).toBe(arms[i]!.label);
      expect(t.params).toMatchObject({ depth: arms[i]!.params.depth, widths: arms[i]!.params.widths, activations: arms[i]!.params.activations, learningRate: 0.1 });
    });
    expect(file.trials!.at(-1)!.params.output).toBe("softmax_km1");
  });
});
