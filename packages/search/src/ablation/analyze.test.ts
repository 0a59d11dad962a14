import { describe, expect, it } from "vitest";
import { analyzeAblation } from "./analyze";

const folds = (...xs: number[]) => new Map(xs.map((x, i) => [i, x]));

describe("ablation analysis", () => {
  // Base [0.90 ×5]. Arm "tanh": d = [0.02, 0.04, 0.01, 0.03, 0.05] → t = 2√2, p = 0.0474207
  // (hand-computed in stats.test.ts). Arm "-1": d = [−0.1 ×5] → constant gap, p = 0.
  // Arm "+1": d = [0.01, −0.01, 0.02, −0.02, 0] → d̄ = 0, t = 0, p = 1. Arm "×2": no result.
  // Holm over the three tested: sorted 0, 0.0474207, 1 → 3·0 = 0, 2·0.0474207 = 0.0948414, 1.
  const rows = analyzeAblation(
    folds(0.9, 0.9, 0.9, 0.9, 0.9),
    [
      { factor: "activation", variant: "tanh", folds: folds(0.92, 0.94, 0.91, 0.93, 0.95) },
      { factor: "depth", variant: "-1", folds: folds(0.8, 0.8, 0.8, 0.8, 0.8) },
      { factor: "depth", variant: "+1", folds: folds(0.91, 0.89, 0.92, 0.88, 0.9) },
      { factor: "width", variant: "×2", folds: new Map() },
    ],
    { testTrainRatio: 1 / 4 },
  );

  it("corrected t per arm, Holm-adjusted over the tested arms", () => {
    const [tanh, minus, plus, wide] = rows;
    expect(tanh).toMatchObject({ n: 5, significant: false });
    expect(tanh!.meanScore).toBeCloseTo(0.93, 12);
    expect(tanh!.t).toBeCloseTo(2 * Math.SQRT2, 9);
    expect(tanh!.p).toBeCloseTo(0.0474207, 6);
    expect(tanh!.pAdjusted).toBeCloseTo(2 * 0.0474207, 6);
    expect(minus).toMatchObject({ n: 5, p: 0, pAdjusted: 0, significant: true, t: -Infinity });
    expect(minus!.meanDiff).toBeCloseTo(-0.1, 12);
    expect(plus!.meanDiff).toBeCloseTo(0, 12);
    expect(plus!.p).toBeCloseTo(1, 12);
    expect(plus!.pAdjusted).toBeCloseTo(1, 12);
    expect(wide).toMatchObject({ n: 0, meanScore: null, p: null, pAdjusted: null, significant: false });
  });

  it("Benjamini–Hochberg is less strict: tanh's 0.0474 becomes 3·0.0474/2 = 0.0711", () => {
    const bh = analyzeAblation(folds(0.9, 0.9, 0.9, 0.9, 0.9), [
      { factor: "activation", variant: "tanh", folds: folds(0.92, 0.94, 0.91, 0.93, 0.95) },
      { factor: "depth", variant: "-1", folds: folds(0.8, 0.8, 0.8, 0.8, 0.8) },
      { factor: "depth", variant: "+1", folds: folds(0.91, 0.89, 0.92, 0.88, 0.9) },
    ], { testTrainRatio: 1 / 4, correction: "bh" });
    expect(bh[0]!.pAdjusted).toBeCloseTo((3 * 0.0474207) / 2, 6);
  });
});
