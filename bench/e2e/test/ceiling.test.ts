// The arithmetic of bench:e2e's Fashion-MNIST floor (ceiling.ts), against hand counts of the
// matrix products; the peak itself is measured by `npm run bench:e2e`, never asserted here.
import { describe, expect, it } from "vitest";
import { ceiling, fashionFlops } from "../ceiling";

describe("bench:e2e fashion floor", () => {
  it("counts forward, weight and input gradients but not the input's (hand values)", () => {
    // 3-4-2 network: forward 2·(3·4 + 4·2) = 40 FLOPs a row, weight gradients 40, input gradient of
    // the second layer only 2·4·2 = 16; 2 epochs over (3 − 1)·6 rows, then one forward pass over
    // the 6 held-out rows. Our recorded validation: the 1 epoch before the last, 6 rows × 40.
    const work = { n: 6, d: 3, classes: 2, folds: 3, epochs: 2, widths: [[4]] };
    expect(fashionFlops(work)).toEqual({ equalWorkFlops: 2 * 12 * 96 + 6 * 40, recordedFlops: 6 * 40 });
  });

  it("sums the trials and divides by every slot at the peak", () => {
    const work = { n: 6, d: 3, classes: 2, folds: 3, epochs: 2, widths: [[4], [4, 5]] };
    // 3-4-5-2: macs 12 + 20 + 10 = 42, first 12: a step row is 84 + 84 + 60 = 228 FLOPs.
    const second = 2 * 12 * 228 + 6 * 84;
    const c = ceiling(work, 2, 0.5);
    expect(c.equalWorkFlops).toBe(2544 + second);
    expect(c.recordedFlops).toBe(6 * 40 + 6 * 84);
    expect(c.floorSeconds).toBeCloseTo((2544 + second) / 1e9, 15);
    expect(c.floorSecondsWithRecorded).toBeCloseTo((2544 + second + 240 + 504) / 1e9, 15);
  });
});
