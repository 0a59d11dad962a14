import { describe, expect, it } from "vitest";
import { paramCount } from "./network";
import { CategoricalParzen, erfc, NumericParzen, recencyWeights } from "./parzen";
import { RandomSampler } from "./random";
import { CONTINUOUS_SPACE, FINITE_SPACE, SHAPE, simulateStudy, syntheticScore } from "./synthetic";
import { splitTrials, TpeSampler } from "./tpe";
import type { FinishedTrial, Params } from "./types";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("TPE finds better configurations than random search", () => {
  const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
  const N = 60;
  it.each([
    ["continuous", CONTINUOUS_SPACE],
    ["finite", FINITE_SPACE],
  ] as const)("on the synthetic objective, %s space, mean best over 8 seeds", (_label, space) => {
    const tpe = SEEDS.map((s) => simulateStudy(new TpeSampler(), space, s, N).best);
    const rnd = SEEDS.map((s) => simulateStudy(new RandomSampler(), space, s, N).best);
    // The optimum is 0; the margin is well inside what TPE gains here (checked on these seeds).
    expect(mean(tpe)).toBeGreaterThan(mean(rnd) + 0.1);
    expect(tpe.filter((b, i) => b > rnd[i]!).length).toBeGreaterThanOrEqual(6);
  });

  it("learns conditional per-layer widths: late suggestions put layer 2's width near its optimum (32)", () => {
    const late = (r: { trials: FinishedTrial[] }) => r.trials.slice(40).flatMap((t) => (t.params.depth >= 2 ? [Math.abs(Math.log2(t.params.widths[1]!) - 5)] : []));
    const tpe = [1, 2, 3, 4].flatMap((s) => late(simulateStudy(new TpeSampler(), CONTINUOUS_SPACE, s, 80)));
    const rnd = [1, 2, 3, 4].flatMap((s) => late(simulateStudy(new RandomSampler(), CONTINUOUS_SPACE, s, 80)));
    expect(mean(tpe)).toBeLessThan(0.6 * mean(rnd));
  });

  it("with two objectives, covers more of the accuracy/size trade-off than random search", () => {
    const score = (p: Params) => [syntheticScore(p), paramCount(p, SHAPE)];
    // Fraction of trials on or near the front is a crude but monotone measure; use the best
    // score among small networks (≤ 2,000 parameters) instead: both objectives matter there.
    const bestSmall = (trials: FinishedTrial[]) => Math.max(...trials.filter((t) => paramCount(t.params, SHAPE) <= 2000).map((t) => t.values![0]!));
    const tpe = [1, 2, 3, 4, 5].map((s) => bestSmall(simulateStudy(new TpeSampler(), CONTINUOUS_SPACE, s, 60, { directions: ["maximize", "minimize"], score }).trials));
    const rnd = [1, 2, 3, 4, 5].map((s) => bestSmall(simulateStudy(new RandomSampler(), CONTINUOUS_SPACE, s, 60, { directions: ["maximize", "minimize"], score }).trials));
    expect(mean(tpe)).toBeGreaterThan(mean(rnd));
  });
});

describe("TPE split into good and bad groups", () => {
  const p = simulateStudy(new RandomSampler(), CONTINUOUS_SPACE, 1, 1).trials[0]!.params;
  const complete = (number: number, v: number): FinishedTrial => ({ number, params: p, state: "COMPLETE", values: [v] });

  it("takes the best ⌈γ·n⌉ (at most maxGood), pruned trials after complete ones, deeper first", () => {
    const trials: FinishedTrial[] = [
      complete(0, 0.5),
      complete(1, 0.9),
      { number: 2, params: p, state: "PRUNED", intermediate: new Map([[1, 0.99], [3, 0.95]]) },
      { number: 3, params: p, state: "PRUNED", intermediate: new Map([[1, 0.99]]) },
      complete(4, 0.7),
      { number: 5, params: p, state: "FAILED" },
      { number: 6, params: p, state: "RUNNING" },
    ];
    // 5 finished; γ = 0.5 → ⌈2.5⌉ = 3 good: 0.9, 0.7, then pruned #2 (reached step 3) over 0.5? No:
    // every complete trial ranks before any pruned one, so the third is 0.5.
    const s = splitTrials(trials, ["maximize"], { gamma: 0.5, maxGood: 25 });
    expect(s.finished).toBe(5);
    expect(s.good.map((i) => trials[i]!.number)).toEqual([1, 4, 0]);
    expect(s.bad.map((i) => trials[i]!.number).sort()).toEqual([2, 3]);
    const s2 = splitTrials(trials, ["maximize"], { gamma: 0.9, maxGood: 4 });
    expect(s2.good.map((i) => trials[i]!.number)).toEqual([1, 4, 0, 2]);
    expect(splitTrials(trials, ["minimize"], { gamma: 0.2, maxGood: 25 }).good.map((i) => trials[i]!.number)).toEqual([0]);
  });

  it("with two objectives fills the good group front by front", () => {
    const mo = (number: number, a: number, b: number): FinishedTrial => ({ number, params: p, state: "COMPLETE", values: [a, b] });
    // maximize a, minimize b: front 0 = {#0 (0.9, 10), #1 (0.5, 1)}; #2 (0.8, 20) is dominated by #0; #3 (0.4, 5) by #1.
    const trials = [mo(0, 0.9, 10), mo(1, 0.5, 1), mo(2, 0.8, 20), mo(3, 0.4, 5), mo(4, 0.1, 50)];
    const s = splitTrials(trials, ["maximize", "minimize"], { gamma: 0.4, maxGood: 25 });
    expect(s.good.map((i) => trials[i]!.number).sort()).toEqual([0, 1]);
    const s3 = splitTrials(trials, ["maximize", "minimize"], { gamma: 0.6, maxGood: 25 });
    expect(s3.good).toHaveLength(3);
    expect(s3.good.slice(0, 2).map((i) => trials[i]!.number).sort()).toEqual([0, 1]);
  });
});

describe("Parzen estimators", () => {
  it("erfc matches reference values to 1.2e-7 relative", () => {
    // Values from the standard tables (Abramowitz & Stegun, table 7.1; erfc(3) from mpmath).
    for (const [x, want] of [[0, 1], [0.5, 0.4795001221869535], [1, 0.15729920705028513], [2, 0.004677734981047266], [3, 2.209049699858544e-5], [-1, 1.8427007929497148]] as const) {
      expect(Math.abs(erfc(x) - want) / want).toBeLessThan(1.2e-7);
    }
  });

  it("bandwidths follow Optuna's rule: larger neighbour gap, ends from the inner side, magic clip", () => {
    // Observations 0.1, 0.2, 0.6 on [0, 1]: gaps with ends 0 | 0.1 | 0.2 | 0.6 | 1.
    // inner: σ(0.2) = max(0.1, 0.4) = 0.4; ends: σ(0.1) = 0.2 − 0.1 = 0.1, σ(0.6) = 0.6 − 0.2 = 0.4;
    // clip: min σ = 1 / min(100, 4) = 0.25 → σ(0.1) = 0.25. Prior: μ 0.5, σ 1.
    const e = new NumericParzen([0.6, 0.1, 0.2], [1, 1, 1], 0, 1, 1);
    expect([...e.mus]).toEqual([0.6, 0.1, 0.2, 0.5]);
    expect([...e.sigmas].map((s) => Number(s.toFixed(12)))).toEqual([0.4, 0.25, 0.4, 1]);
    expect([...e.weights]).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it("a numeric estimator's density integrates to 1 over its range (trapezoid rule, 1e-4)", () => {
    const e = new NumericParzen([0.3, 0.35, 1.7, -0.9], recencyWeights(4), -1, 2, 1);
    const steps = 30_000;
    const h = 3 / steps;
    let area = 0;
    for (let i = 0; i <= steps; i++) area += (i === 0 || i === steps ? 0.5 : 1) * Math.exp(e.logPdf(-1 + i * h)) * h;
    expect(Math.abs(area - 1)).toBeLessThan(1e-4);
  });

  it("categorical estimator: weighted counts plus a uniform prior", () => {
    const c = new CategoricalParzen([0, 0, 2], [1, 1, 1], 3, 1);
    // counts (2, 0, 1) + prior 1/3 each, over total 4.
    expect([...c.probs].map((x) => Number(x.toFixed(12)))).toEqual([7 / 12, 1 / 12, 4 / 12].map((x) => Number(x.toFixed(12))));
  });

  it("recency weights: equal for 25 or fewer, a ramp from 1/n for older ones", () => {
    expect([...recencyWeights(3)]).toEqual([1, 1, 1]);
    const w = recencyWeights(30);
    expect(w[0]).toBeCloseTo(1 / 30, 12);
    expect(w[4]).toBeCloseTo(1, 12);
    expect([...w.slice(5)]).toEqual(new Array(25).fill(1));
  });
});
