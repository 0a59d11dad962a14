// The GP sampler's numerics against independent references (gp.reference.json, written by numpy,
// scipy and mpmath from the snippet's description there): the Matérn-5/2 ARD posterior for fixed
// hyperparameters, and log expected improvement down to z = −50 where EI itself underflows.
// Then the outcome: the sampler beats random search on the package's synthetic objective.
import { describe, expect, it } from "vitest";
import { gpPosterior, GpSampler, logExpectedImprovement } from "./gp";
import { RandomSampler } from "./random";
import { CONTINUOUS_SPACE, simulateStudy } from "./synthetic";
import ref from "./gp.reference.json";

describe("GP numerics", () => {
  it("posterior mean and sd equal numpy's solve for fixed hyperparameters (1e-9)", () => {
    const post = gpPosterior(ref.X, ref.y, ref.logEll, ref.logS2, ref.logNoise, ref.Xs);
    post.forEach((p, i) => {
      expect(Math.abs(p.mean - ref.mean[i]!)).toBeLessThan(1e-9);
      expect(Math.abs(p.sd - ref.sd[i]!)).toBeLessThan(1e-9);
    });
  });

  it("log EI matches mpmath to 1e-6 absolute, in the tail too", () => {
    for (const c of ref.logEi) expect(Math.abs(logExpectedImprovement(c.mean, c.sd, c.best) - c.want)).toBeLessThan(1e-6);
  });
});

describe("GP sampler", () => {
  it("finds better configurations than random search on the synthetic objective (mean over 4 seeds, 40 trials)", () => {
    const seeds = [1, 2, 3, 4];
    const mean = (f: (seed: number) => number) => seeds.reduce((s, seed) => s + f(seed), 0) / seeds.length;
    const gp = mean((seed) => simulateStudy(new GpSampler(), CONTINUOUS_SPACE, seed, 40).best);
    const random = mean((seed) => simulateStudy(new RandomSampler(), CONTINUOUS_SPACE, seed, 40).best);
    expect(gp).toBeGreaterThan(random);
  });
});
