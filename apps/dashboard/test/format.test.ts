import { describe, expect, it } from "vitest";
import { paramValue, shownParams } from "../lib/format";

describe("trial parameters as the trial page shows them", () => {
  it("rounds to 3 significant digits, keeps integers and joins layers", () => {
    expect(paramValue(0.04038114790922472)).toBe("0.0404");
    expect(paramValue(1.2345e-5)).toBe("0.0000123");
    expect(paramValue(64)).toBe("64");
    expect(paramValue([32, 16.5])).toBe("32 × 16.5");
    expect(paramValue(["relu", "tanh"])).toBe("relu × tanh");
    expect(paramValue(Number.NaN)).toBe("—");
  });

  it("hides empty values and options of units the network does not have", () => {
    const p = { depth: 2, widths: [8, 4], activations: ["relu", "tanh"], output: "", leakyAlpha: 0.01, maxoutPieces: 2, learningRate: 0.012345, momentum: 0.9 };
    expect(shownParams(p)).toEqual([["depth", "2"], ["widths", "8 × 4"], ["activations", "relu × tanh"], ["learningRate", "0.0123"], ["momentum", "0.9"]]);
    expect(shownParams({ activations: ["leaky_relu"], leakyAlpha: 0.05, maxoutPieces: 3, output: "softmax" })).toEqual([["activations", "leaky_relu"], ["leakyAlpha", "0.05"], ["output", "softmax"]]);
    expect(shownParams({ activation: "maxout", maxoutPieces: 3, leakyAlpha: 0.01 })).toEqual([["activation", "maxout"], ["maxoutPieces", "3"]]);
  });
});
