// Several trials per worker: live networks split the process's BLAS thread budget, so two
// concurrent trials on two cores never run 2 + 2 BLAS threads.
import { describe, expect, it } from "vitest";
import { MlpModel, type MlpSpec } from "@automl/nn";
import { requireNative } from "./support";

const native = requireNative();

describe.skipIf(!native)("BLAS thread budget", () => {
  const spec: MlpSpec = { inputDim: 64, hidden: [128], activation: "relu", task: "binary", outputDim: 1 };
  const X = new Float32Array(32 * 64).fill(0.1);
  const y = new Float32Array(32).fill(1);

  it("each live network gets budget / live threads (at least 1), and its share back when the other is disposed", () => {
    const { addon, backend } = native!;
    const { budget, live: before } = addon.blasThreads();
    expect(budget).toBeGreaterThanOrEqual(1);
    const a = backend.createSession(new MlpModel(spec, 1), {});
    const b = backend.createSession(new MlpModel(spec, 2), {});
    try {
      a.step(X, y, 32, 0.01);
      b.step(X, y, 32, 0.01);
      const both = addon.blasThreads();
      expect(both.live).toBe(before + 2);
      expect(both.current).toBeLessThanOrEqual(Math.max(1, Math.floor(budget / both.live)));
      b.dispose();
      expect(addon.blasThreads().live).toBe(before + 1);
      // Alone again, a may use up to the whole budget (it measures whether more threads help).
      a.step(X, y, 32, 0.01);
      expect(addon.blasThreads().current).toBeLessThanOrEqual(budget);
    } finally {
      a.dispose();
      b.dispose(); // idempotent
    }
    expect(addon.blasThreads().live).toBe(before);
  });

  const budget = native?.addon.blasThreads().budget ?? 1;
  // With one BLAS thread in all there is nothing to cap.
  it.skipIf(budget < 2)("declared trainers cap a network's share even while it runs alone", () => {
    const { addon, backend } = native!;
    const alone = backend.createSession(new MlpModel(spec, 3), {});
    const seen: number[] = [];
    try {
      // Undeclared, a network alone first runs on the whole budget (then measures whether 1 is faster).
      alone.step(X, y, 32, 0.01);
      expect(addon.blasThreads().current).toBe(budget);
      addon.reserveTrainers(budget); // as many trainers as threads: one each, always
      for (let i = 0; i < 40; i++) {
        alone.step(X, y, 32, 0.01);
        seen.push(addon.blasThreads().current);
      }
      expect(addon.blasThreads().trainers).toBe(budget);
      expect(seen).toEqual(Array(40).fill(1));
    } finally {
      alone.dispose();
      addon.reserveTrainers(0);
    }
    expect(addon.blasThreads().trainers).toBe(0);
  });
});
