// The contract every Sampler passes (run by samplers.test.ts for each implementation, no skips):
// suggestions lie in the space, per-layer dims exist exactly for the layers a depth has,
// constraints hold, a suggestion is a pure function of its context (same context, fresh
// instance, shuffled trials → same Params), and different trial numbers give different Params.
import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { paramsInSpace } from "./draw";
import { paramCount } from "./network";
import { CONTINUOUS_SPACE, FINITE_SPACE, SHAPE, simulateStudy, syntheticScore } from "./synthetic";
import type { FinishedTrial, Sampler, SpaceDef, SuggestContext } from "./types";

export interface SamplerConformanceOptions {
  /** Whether the sampler handles continuous dims (the grid does not). */
  continuous: boolean;
  /** Trials per simulated study (a grid must have at least this many points). */
  studySize?: number;
}

export function describeSamplerConformance(label: string, make: () => Sampler, opts: SamplerConformanceOptions): void {
  const spaces: [string, SpaceDef][] = [["finite space", FINITE_SPACE]];
  if (opts.continuous) spaces.push(["continuous space", CONTINUOUS_SPACE]);
  const n = opts.studySize ?? 40;

  describe(`Sampler conformance: ${label}`, () => {
    it("has a name", () => {
      expect(make().name).toMatch(/^[a-z][a-z0-9-]*$/);
    });

    for (const [spaceName, space] of spaces) {
      describe(spaceName, () => {
        const run = simulateStudy(make(), space, 5, n, { mixStates: true });
        const multi = simulateStudy(make(), space, 6, n, {
          directions: ["maximize", "minimize"],
          score: (p) => [syntheticScore(p), paramCount(p, SHAPE)],
          mixStates: true,
        });

        it("suggests only configurations of the space, per-layer dims for existing layers only", () => {
          for (const t of [...run.trials, ...multi.trials]) {
            expect(paramsInSpace(space, t.params), JSON.stringify(t.params)).toBe(true);
            expect(t.params.widths).toHaveLength(t.params.depth);
            expect(t.params.activations).toHaveLength(t.params.depth);
          }
        });

        it("is a pure function of (space, seed, number, trials): a fresh instance and a shuffled history agree", () => {
          const ctx = (trials: FinishedTrial[]): SuggestContext => ({ space, seed: 5, number: n, trials, directions: ["maximize"] });
          const a = make().suggest(ctx(run.trials));
          expect(make().suggest(ctx(run.trials))).toEqual(a);
          const shuffled = [...run.trials];
          createRng(99).shuffle(shuffled);
          expect(make().suggest(ctx(shuffled))).toEqual(a);
          // A restarted study (a replay from trial 0 with the same outcomes) proposes the same sequence.
          expect(simulateStudy(make(), space, 5, n, { mixStates: true }).trials.map((t) => t.params)).toEqual(run.trials.map((t) => t.params));
        });

        it("gives different trial numbers different configurations, also when suggested in parallel", () => {
          // Parallel workers: suggestions made before any of them finishes see the earlier ones as RUNNING.
          const s = make();
          const trials = [...run.trials];
          for (let k = 0; k < 30; k++) {
            const params = s.suggest({ space, seed: 5, number: n + k, trials, directions: ["maximize"] });
            trials.push({ number: n + k, params, state: "RUNNING" });
          }
          const keys = trials.slice(run.trials.length).map((t) => JSON.stringify(t.params));
          expect(new Set(keys).size).toBe(30);
          const seeds = new Set([1, 2, 3].map((seed) => JSON.stringify(s.suggest({ space, seed, number: 0, trials: [], directions: ["maximize"] }))));
          expect(seeds.size).toBe(3);
        });

        it("never suggests a configuration that breaks the constraints", () => {
          // About half of the unconstrained space is over this many parameters.
          const limit = space === FINITE_SPACE ? 1500 : 3000;
          const constrained: SpaceDef = { ...space, constraints: { maxParams: limit } };
          const r = simulateStudy(make(), constrained, 8, n, { network: SHAPE, mixStates: true });
          const counts = r.trials.map((t) => paramCount(t.params, SHAPE));
          expect(Math.max(...counts)).toBeLessThanOrEqual(limit);
          expect(r.trials.every((t) => paramsInSpace(space, t.params))).toBe(true);
          // Without the shape, a constraint cannot be checked: a clear error, not a silent pass.
          expect(() => make().suggest({ space: constrained, seed: 1, number: 0, trials: [], directions: ["maximize"] })).toThrow(/space\.constraints/);
        });
      });
    }
  });
}
