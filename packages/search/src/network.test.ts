import { describe, expect, it } from "vitest";
import { mlpParamCount, type MlpSpec } from "@automl/nn";
import { constraintViolation, flopCount, paramCount } from "./network";
import { sampleRandom } from "./random";
import { parseSpace } from "./space";
import type { Params } from "./types";

const space = parseSpace({
  depth: { int: [1, 4] },
  width: { int: [1, 300], log: true, perLayer: true },
  activation: { choice: ["relu", "leaky_relu", "abs", "prelu", "maxout", "sigmoid", "tanh"], perLayer: true },
  output: { choice: ["softmax", "softmax_km1"] },
  maxoutPieces: { int: [2, 5] },
  learningRate: 0.1,
  batchSize: 8,
  epochs: 1,
});

function spec(p: Params, inputDim: number, outputDim: number): MlpSpec {
  return {
    inputDim,
    hidden: p.widths,
    activation: p.activations as MlpSpec["activation"],
    task: "multiclass",
    outputDim,
    output: p.output as MlpSpec["output"],
    maxoutPieces: p.maxoutPieces,
  };
}

describe("network size", () => {
  it("counts parameters exactly as the engine does (@automl/nn mlpParamCount), maxout/PReLU/K−1 included", () => {
    for (let number = 0; number < 300; number++) {
      const p = sampleRandom({ space, seed: 3, number });
      const shape = { inputDim: 1 + (number % 50), outputDim: 2 + (number % 9) };
      expect(paramCount(p, shape)).toBe(mlpParamCount(spec(p, shape.inputDim, shape.outputDim)));
    }
  });

  it("counts FLOPs by hand for a small net", () => {
    // 3 → 4 (maxout k=2: 8 columns) → 5 (relu) → 2 logits (softmax_km1 of K = 3).
    const p: Params = { depth: 2, widths: [4, 5], activations: ["maxout", "relu"], output: "softmax_km1", leakyAlpha: 0.01, maxoutPieces: 2, learningRate: 0.1, momentum: 0, weightDecay: 0, batchSize: 8, epochs: 1 };
    // layer 1: 2·3·8 + 8 bias + 8 unit = 64; layer 2: 2·4·5 + 5 + 5 = 50; output: 2·5·2 + 2 = 22.
    expect(flopCount(p, { inputDim: 3, outputDim: 3 })).toBe(136);
    // params: 3·8+8 = 32; 4·5+5 = 25; 5·2+2 = 12.
    expect(paramCount(p, { inputDim: 3, outputDim: 3 })).toBe(69);
    const limited = { ...space, constraints: { maxParams: 68 } };
    expect(constraintViolation(limited, p, { inputDim: 3, outputDim: 3 })).toBe("69 parameters exceed space.constraints.maxParams 68");
    expect(constraintViolation({ ...space, constraints: { maxParams: 69, maxFlops: 136 } }, p, { inputDim: 3, outputDim: 3 })).toBeUndefined();
    expect(constraintViolation({ ...space, constraints: { maxFlops: 135 } }, p, { inputDim: 3, outputDim: 3 })).toContain("maxFlops");
  });
});
