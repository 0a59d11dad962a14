import { describe, expect, it } from "vitest";
import { createRng } from "@automl/common";
import { crowdingDistance, dominates, hypervolume2d, nonDominatedRanks, paretoFront } from "./pareto";
import type { Direction } from "./types";

// Reference: the definition, by brute force — rank r = dominated only by points of rank < r.
function bruteRanks(points: number[][], dirs: Direction[]): number[] {
  const ranks = new Array<number>(points.length).fill(-1);
  for (let r = 0; ranks.includes(-1); r++) {
    const open = points.map((_, i) => i).filter((i) => ranks[i] === -1);
    for (const i of open) if (!open.some((j) => j !== i && dominates(points[j]!, points[i]!, dirs))) ranks[i] = r;
  }
  return ranks;
}

describe("Pareto helpers", () => {
  it("dominance respects each objective's direction", () => {
    expect(dominates([0.9, 10], [0.8, 20], ["maximize", "minimize"])).toBe(true);
    expect(dominates([0.9, 10], [0.9, 10], ["maximize", "minimize"])).toBe(false);
    expect(dominates([0.9, 30], [0.8, 20], ["maximize", "minimize"])).toBe(false);
  });

  it.each([
    [["maximize", "minimize"] as Direction[]],
    [["minimize", "minimize", "maximize"] as Direction[]],
  ])("non-dominated ranks match the brute-force definition (%j, ties and duplicates included)", (dirs) => {
    const rng = createRng(dirs.length);
    for (let round = 0; round < 20; round++) {
      // Few distinct values, so ties and exact duplicates are common.
      const points = Array.from({ length: 40 }, () => dirs.map(() => rng.int(6)));
      expect(nonDominatedRanks(points, dirs)).toEqual(bruteRanks(points, dirs));
      expect(paretoFront(points, dirs)).toEqual(bruteRanks(points, dirs).flatMap((r, i) => (r === 0 ? [i] : [])));
    }
  });

  it("two objectives, 300 continuous points: the O(n log n) ranks match brute force", () => {
    const rng = createRng(42);
    for (let round = 0; round < 3; round++) {
      const points = Array.from({ length: 300 }, () => [rng.next(), rng.next() + 0.3 * rng.normal()]);
      expect(nonDominatedRanks(points, ["maximize", "minimize"])).toEqual(bruteRanks(points, ["maximize", "minimize"]));
    }
  });

  it("ranks points with a non-finite value last (Infinity)", () => {
    expect(nonDominatedRanks([[1, 1], [Number.NaN, 0], [2, 2]], ["minimize", "minimize"])).toEqual([0, Infinity, 1]);
  });

  it("crowding distance: ends infinite, inner points by normalized neighbour gaps", () => {
    const d = crowdingDistance([[0, 4], [1, 2], [3, 1], [4, 0]]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    // point 1: (3−0)/4 + (4−1)/4 = 1.5; point 2: (4−1)/4 + (2−0)/4 = 1.25
    expect(d[1]).toBeCloseTo(1.5, 12);
    expect(d[2]).toBeCloseTo(1.25, 12);
  });

  it("2-D hypervolume equals the area of the union of dominated boxes (grid count reference)", () => {
    const pts = [[1, 3], [2, 2], [3, 1], [2.5, 2.5]];
    // Minimize both, reference (4, 4): staircase area = 3·1 + 2·1 + 1·1 = 6.
    expect(hypervolume2d(pts, [4, 4], ["minimize", "minimize"])).toBeCloseTo(6, 12);
    const rng = createRng(9);
    const rnd = Array.from({ length: 12 }, () => [rng.next() * 10, rng.next() * 10]);
    let inside = 0;
    const G = 400;
    for (let i = 0; i < G; i++)
      for (let j = 0; j < G; j++) {
        const x = ((i + 0.5) * 10) / G;
        const y = ((j + 0.5) * 10) / G;
        if (rnd.some((p) => p[0]! <= x && p[1]! <= y)) inside++;
      }
    // Grid estimate on 400×400 cells of a 10×10 box: error below 1% of the box area.
    expect(Math.abs(hypervolume2d(rnd, [10, 10], ["minimize", "minimize"]) - (inside * 100) / (G * G))).toBeLessThan(1);
    // Maximizing the first objective mirrors it.
    expect(hypervolume2d([[3, 3], [2, 2]], [0, 4], ["maximize", "minimize"])).toBeCloseTo(3 * 1 + 2 * 1, 12);
  });
});
