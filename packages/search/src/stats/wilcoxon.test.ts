// Wilcoxon signed-rank against scipy 1.10.1 (scipy.stats.wilcoxon(x, y) with its defaults) on four
// paired samples: n = 20 and 12 (exact null distribution), n = 25 rounded to one decimal (ties
// and zero differences: normal approximation) and n = 60 (approximation). The fixture was written
// by python3 with numpy.random.default_rng(3): normal samples, y = x + N(shift, 1) or independent.
import { describe, expect, it } from "vitest";
import fixture from "./wilcoxon.scipy.json";
import { wilcoxonSignedRank } from "./wilcoxon";

describe("wilcoxonSignedRank", () => {
  it.each(fixture.cases.map((c, i) => [i, c] as const))("matches scipy on case %i (statistic exactly, p within 1e-6)", (_i, c) => {
    const r = wilcoxonSignedRank(c.x, c.y);
    expect(r.statistic).toBeCloseTo(c.statistic, 9);
    // normalCdf's erfc approximation has relative error < 1.2e-7.
    expect(Math.abs(r.pValue - c.pValue)).toBeLessThan(1e-6);
  });

  it("is symmetric in its arguments and gives p = 1 for identical samples", () => {
    const c = fixture.cases[0]!;
    expect(wilcoxonSignedRank(c.y, c.x).pValue).toBeCloseTo(wilcoxonSignedRank(c.x, c.y).pValue, 12);
    expect(wilcoxonSignedRank([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
  });

  it("rejects samples of different lengths", () => {
    expect(() => wilcoxonSignedRank([1, 2], [1])).toThrow(/length/);
  });
});
