import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { forestMainEffects, treeMainEffects } from "./fanova";
import { parameterImportance, trialFeatures } from "./importance";
import type { TreeNode } from "./random-forest";

describe("fANOVA main effects of a tree (hand-computed)", () => {
  // Domain [0,1]²; x0 ≤ 0.5 → 0; x0 > 0.5: (x1 ≤ 0.5 → 2, else 4).
  // Leaves (value, volume): (0, 1/2), (2, 1/4), (4, 1/4). μ = 0.5 + 1 = 1.5;
  // E[f²] = 1 + 4 = 5 → V = 5 − 2.25 = 2.75.
  // Marginal in x0: 0 on [0, .5], (2 + 4)/2 = 3 on (.5, 1] → E = 1.5, E[a²] = 4.5 → V0 = 2.25.
  // Marginal in x1: (0 + 2)/2 = 1 on [0, .5], (0 + 4)/2 = 2 on (.5, 1] → E[a²] = 2.5 → V1 = 0.25.
  // Fractions: 2.25/2.75 = 9/11, 0.25/2.75 = 1/11; the interaction holds the remaining 1/11.
  const tree: TreeNode = {
    leaf: false,
    feature: 0,
    threshold: 0.5,
    left: { leaf: true, value: 0 },
    right: { leaf: false, feature: 1, threshold: 0.5, left: { leaf: true, value: 2 }, right: { leaf: true, value: 4 } },
  };

  it("splits the variance into 9/11 and 1/11", () => {
    const [a, b] = treeMainEffects(tree, [[0, 1], [0, 1]]);
    expect(a).toBeCloseTo(9 / 11, 12);
    expect(b).toBeCloseTo(1 / 11, 12);
  });

  it("a constant tree explains nothing; the forest averages its trees", () => {
    expect(treeMainEffects({ leaf: true, value: 3 }, [[0, 1]])).toEqual([0]);
    const effects = forestMainEffects([tree, { leaf: true, value: 1 }], [[0, 1], [0, 1]]);
    expect(effects[0]).toBeCloseTo(9 / 22, 12);
  });
});

describe("parameter importance on a synthetic objective", () => {
  // score = sin(3·lr) dominates, batch adds a little, "unit" (3 categories) is irrelevant.
  const rng = createRng(11);
  const obs = Array.from({ length: 300 }, () => {
    const lr = rng.next() * 2;
    const batch = rng.next();
    const unit = ["relu", "tanh", "abs"][rng.int(3)]!;
    return { features: { lr, batch, unit, fixed: 4 }, score: Math.sin(3 * lr) + 0.3 * batch + 0.02 * rng.normal() };
  });

  it("the dominant parameter ranks first, the irrelevant one gets ~0, a fixed one is left out", () => {
    const imp = parameterImportance(obs, { seed: 3 });
    expect(imp.map((i) => i.param)).toEqual(["lr", "batch", "unit"]);
    // Var of sin(3·lr) on [0, 2] ≈ 0.49 vs 0.09·Var(U) = 0.0075 for batch: lr's share ≈ 0.98.
    expect(imp[0]!.importance).toBeGreaterThan(0.85);
    expect(imp[1]!.importance).toBeGreaterThan(0.002);
    expect(imp[1]!.importance).toBeLessThan(0.08);
    expect(imp[2]!.importance).toBeLessThan(0.01);
  });

  it("is reproducible for a seed", () => {
    expect(parameterImportance(obs, { seed: 3 })).toEqual(parameterImportance(obs, { seed: 3 }));
  });

  it("too few observations or nothing varying give an empty list", () => {
    expect(parameterImportance(obs.slice(0, 3))).toEqual([]);
    expect(parameterImportance(obs.map((o) => ({ features: { fixed: 1 }, score: o.score })))).toEqual([]);
  });
});

describe("trial params as features", () => {
  it("log scales, geometric-mean width, activation label", () => {
    const f = trialFeatures({ depth: 2, widths: [8, 32], activations: ["relu", "tanh"], output: "", learningRate: 0.01, batchSize: 16, momentum: 0.9 });
    expect(f).toEqual({ depth: 2, width: 4, activation: "relu/tanh", output: "default", learningRate: -2, batchSize: 4, momentum: 0.9 });
  });
});
