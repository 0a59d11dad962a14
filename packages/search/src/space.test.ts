import { describe, expect, it } from "vitest";
import { AppError } from "@automl/common";
import { paramsInSpace } from "./draw";
import { sampleRandom } from "./random";
import { maxDepth, parseSpace } from "./space";

function errorOf(raw: unknown): string {
  try {
    parseSpace(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("INVALID_ARGUMENT");
    return (err as AppError).message;
  }
  throw new Error("expected the space to be rejected");
}

const base = { depth: { int: [1, 3] }, width: { int: [2, 64], log: true }, learningRate: { float: [0.001, 1], log: true }, batchSize: { choice: [4, 16] }, epochs: 10 };

describe("space language", () => {
  it("normalizes the first release's syntax with its defaults", () => {
    const s = parseSpace({
      depth: { int: [1, 3] },
      width: { int: [2, 32], log: true, perLayer: true },
      activation: { choice: ["relu", "tanh"] },
      learningRate: { float: [0.01, 1.0], log: true },
      batchSize: { choice: [8, 16] },
      epochs: 40,
    });
    expect(s).toEqual({
      depth: { kind: "int", low: 1, high: 3, log: false },
      width: { dim: { kind: "int", low: 2, high: 32, log: true }, perLayer: true },
      activation: { dim: { kind: "choice", choices: ["relu", "tanh"] }, perLayer: false },
      learningRate: { kind: "float", low: 0.01, high: 1, log: true },
      batchSize: { kind: "choice", choices: [8, 16] },
      epochs: { kind: "fixed", value: 40 },
      leakyAlpha: { kind: "fixed", value: 0.01 },
      maxoutPieces: { kind: "fixed", value: 2 },
      momentum: { kind: "fixed", value: 0 },
      weightDecay: { kind: "fixed", value: 0 },
      constraints: {},
    });
    expect(parseSpace({ ...base, width: 8, activation: "tanh" }).activation).toEqual({ dim: { kind: "fixed", value: "tanh" }, perLayer: false });
  });

  it("accepts steps, choice lists for numbers, per-layer activations and constraints", () => {
    const s = parseSpace({
      ...base,
      depth: { choice: [1, 2, 4] },
      width: { choice: [8, 16], perLayer: false },
      activation: { choice: ["relu", "maxout"], perLayer: true },
      momentum: { float: [0, 0.9], step: 0.1 },
      epochs: { int: [10, 40], step: 10 },
      constraints: { maxParams: 10_000, maxFlops: 1e6 },
    });
    expect(s.width).toEqual({ dim: { kind: "choice", choices: [8, 16] }, perLayer: false });
    expect(s.momentum).toEqual({ kind: "float", low: 0, high: 0.9, log: false, step: 0.1 });
    expect(s.constraints).toEqual({ maxParams: 10_000, maxFlops: 1e6 });
    expect(maxDepth(s)).toBe(4);
  });

  it.each([
    [{ depth: { int: [3, 1] } }, "space.depth.int: lower bound 3 is above upper bound 1"],
    [{ depth: 0 }, "space.depth"],
    [{ activation: { choice: ["relu", "swish"] } }, "space.activation.choice[1]"],
    [{ learningRate: { float: [0, 1], log: true } }, "space.learningRate.float: a log-scaled range must be positive"],
    [{ batchSize: { choice: [] } }, "space.batchSize.choice"],
    [{ width: { int: [2, 64], log: true, step: 2 } }, "space.width.step: step and log cannot be combined"],
    [{ momentum: { float: [0, 0.9], step: -1 } }, "space.momentum.step"],
    [{ constraints: { maxParams: 0 } }, "space.constraints.maxParams"],
    [{ constraints: { maxWeights: 10 } }, "space.constraints"],
    [{ depth: { int: [1, 40] } }, "space.depth.int: must lie within [1, 16]"],
  ])("names the path for %j", (patch, expected) => {
    expect(errorOf({ ...base, ...patch })).toContain(expected);
  });

  it("names a missing dimension and an unknown one", () => {
    const { epochs: _e, ...noEpochs } = base;
    expect(errorOf(noEpochs)).toContain("space.epochs");
    expect(errorOf({ ...base, dropout: 0.5 })).toContain("dropout");
  });
});

describe("paramsInSpace (what the conformance suite checks suggestions with)", () => {
  const space = parseSpace({ ...base, width: { int: [2, 64], perLayer: false }, momentum: { float: [0, 0.9], step: 0.3 } });
  const ok = sampleRandom({ space, seed: 1, number: 0 });
  it("accepts a draw and rejects each kind of violation", () => {
    expect(paramsInSpace(space, ok)).toBe(true);
    const deeper = { ...ok, depth: 3, widths: [8, 8, 8], activations: ["relu", "relu", "relu"] };
    expect(paramsInSpace(space, deeper)).toBe(true);
    expect(paramsInSpace(space, { ...deeper, widths: [8, 8, 9] })).toBe(false); // shared width differs
    expect(paramsInSpace(space, { ...deeper, widths: [8, 8] })).toBe(false); // a layer without width
    expect(paramsInSpace(space, { ...deeper, widths: [65, 65, 65] })).toBe(false);
    expect(paramsInSpace(space, { ...ok, momentum: 0.3 })).toBe(true);
    expect(paramsInSpace(space, { ...ok, momentum: 0.4 })).toBe(false); // off the step
    expect(paramsInSpace(space, { ...ok, batchSize: 8 })).toBe(false);
    expect(paramsInSpace(space, { ...ok, output: "softmax" })).toBe(false); // no output dim: ""
    expect(paramsInSpace(space, { ...deeper, depth: 4, widths: [8, 8, 8, 8], activations: ["relu", "relu", "relu", "relu"] })).toBe(false);
  });
});
