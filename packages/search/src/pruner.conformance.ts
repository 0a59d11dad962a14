// The contract every Pruner passes (run by pruners.test.ts for each implementation): it never
// prunes before its warm-up or first rung, it stops a clear loser once it has evidence, it never
// stops the best trial, its decision is a pure function of the context (history order and
// instance do not matter), and minimizing −x decides as maximizing x.
import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import type { Direction, PruneContext, Pruner, TrialCurve } from "./types";

/** Learning curve of a trial of quality q ∈ (0, 1): rises towards q, with a little seeded noise. */
export function curve(q: number, epoch: number, noise: number): number {
  return q * (1 - Math.exp(-epoch / 3)) + noise;
}

export interface PrunerRun {
  /** Per trial number: the epoch it was pruned at (undefined: ran to the end). */
  prunedAt: (number | undefined)[];
  decisions: { ctx: PruneContext; prune: boolean; rung?: number }[];
}

/**
 * Trials run one after another for `epochs` epochs each; trial i has quality qualities[i]. Every
 * reported epoch asks the pruner; a pruned trial keeps the curve it reached.
 */
export function runPrunerStudy(pruner: Pruner, qualities: number[], epochs: number, direction: Direction = "maximize", seed = 1): PrunerRun {
  const rng = createRng(seed);
  const history: TrialCurve[] = [];
  const prunedAt: (number | undefined)[] = [];
  const decisions: PrunerRun["decisions"] = [];
  const sign = direction === "maximize" ? 1 : -1;
  qualities.forEach((q, number) => {
    const intermediate = new Map<number, number>();
    const curveOf: TrialCurve = { number, state: "RUNNING", intermediate };
    history.push(curveOf);
    let stopped: number | undefined;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const value = sign * curve(q, epoch, 0.002 * rng.normal());
      intermediate.set(epoch, value);
      const ctx: PruneContext = { trialNumber: number, epoch, value, direction, history: history.map((h) => ({ ...h, intermediate: new Map(h.intermediate) })) };
      const d = pruner.decide(ctx);
      decisions.push({ ctx, prune: d.prune, ...(d.rung !== undefined ? { rung: d.rung } : {}) });
      if (d.prune) {
        stopped = epoch;
        break;
      }
    }
    history[number] = { ...curveOf, state: stopped === undefined ? "COMPLETE" : "PRUNED" };
    prunedAt.push(stopped);
  });
  return { prunedAt, decisions };
}

export interface PrunerConformanceOptions {
  /** False for `none`: it must never prune. */
  prunes: boolean;
  /** The earliest epoch at which it may prune. */
  firstEpoch: number;
}

export function describePrunerConformance(label: string, make: () => Pruner, opts: PrunerConformanceOptions): void {
  const EPOCHS = 27;
  // 30 trials of qualities spread over (0.3, 0.9), in a seeded order; the best is 0.95.
  const rng = createRng(7);
  const qualities = Array.from({ length: 30 }, (_, i) => 0.3 + (0.6 * i) / 29);
  rng.shuffle(qualities);

  describe(`Pruner conformance: ${label}`, () => {
    const run = runPrunerStudy(make(), [...qualities, 0.05, 0.95, 0.05], EPOCHS);

    it("has a name", () => {
      expect(make().name).toMatch(/^[a-z][a-z0-9-]*$/);
    });

    it("never prunes before its warm-up or first rung", () => {
      for (const d of run.decisions) if (d.prune) expect(d.ctx.epoch).toBeGreaterThanOrEqual(opts.firstEpoch);
    });

    it("never stops the best trial, wherever it comes in the study", () => {
      expect(run.prunedAt[31]).toBeUndefined();
      for (const at of [0, 5, 15]) {
        const qs = [...qualities];
        qs.splice(at, 0, 0.95);
        const r = runPrunerStudy(make(), qs, EPOCHS);
        expect(r.prunedAt[at]).toBeUndefined();
      }
    });

    if (opts.prunes) {
      it("stops clear losers once it has seen other trials, and saves epochs overall", () => {
        expect(run.prunedAt[30]).toBeDefined();
        expect(run.prunedAt[32]).toBeDefined();
        const spent = run.prunedAt.reduce<number>((s, at) => s + (at ?? EPOCHS), 0);
        expect(spent).toBeLessThan(0.8 * EPOCHS * run.prunedAt.length);
        // What it stops is worse, on average, than what it keeps.
        const q = [...qualities, 0.05, 0.95, 0.05];
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const pruned = q.filter((_, i) => run.prunedAt[i] !== undefined);
        const kept = q.filter((_, i) => run.prunedAt[i] === undefined);
        expect(mean(pruned)).toBeLessThan(mean(kept));
      });
    } else {
      it("never prunes", () => {
        expect(run.decisions.every((d) => !d.prune)).toBe(true);
      });
    }

    it("is a pure function of the context: a fresh instance and a shuffled history agree", () => {
      const p = make();
      for (const d of run.decisions.filter((_, i) => i % 13 === 0)) {
        const shuffled = [...d.ctx.history];
        createRng(3).shuffle(shuffled);
        const again = p.decide({ ...d.ctx, history: shuffled });
        expect(again.prune).toBe(d.prune);
        expect(again.rung).toBe(d.rung);
      }
    });

    it("decides on −x minimized as on x maximized", () => {
      const flipped = runPrunerStudy(make(), [...qualities, 0.05, 0.95, 0.05], EPOCHS, "minimize");
      expect(flipped.prunedAt).toEqual(run.prunedAt);
    });
  });
}
