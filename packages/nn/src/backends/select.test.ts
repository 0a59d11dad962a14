import { describe, expect, it } from "vitest";
import type { Backend } from "../backend";
import type { MlpSpec } from "../types";
import { jsBackend } from "./js";
import { AUTO_NATIVE_MIN_MACS, ENABLE_NATIVE_HINT, selectBackend, stepMacs } from "./select";

// A second backend for the selection logic: the js implementation under another name, which
// like the real native one refuses float64.
const native: Backend = {
  ...jsBackend,
  name: "native",
  unsupported: (_spec, dtype) => (dtype === "float32" ? null : "float32 only"),
};

const xor: MlpSpec = { inputDim: 2, hidden: [8], activation: "tanh", task: "binary", outputDim: 1 };
const mnist: MlpSpec = { inputDim: 784, hidden: [256, 256], activation: "relu", task: "multiclass", outputDim: 10 };

describe("selectBackend", () => {
  it("counts a step's multiply-adds from the layer plans (maxout pieces included)", () => {
    expect(stepMacs(xor, 4)).toBe(4 * (2 * 8 + 8 * 1));
    expect(stepMacs({ ...xor, activation: "maxout", maxoutPieces: 3 }, 1)).toBe(2 * 24 + 8 * 1);
  });

  it("auto: tiny networks stay in TypeScript, big ones go native", () => {
    expect(selectBackend("auto", { spec: xor, batchSize: 4 }, { backends: [native] }).backend.name).toBe("js");
    expect(selectBackend("auto", { spec: mnist, batchSize: 128 }, { backends: [native] }).backend.name).toBe("native");
    // The threshold itself: an 8→8 layer, batch just below / at it.
    const wide: MlpSpec = { inputDim: 8, hidden: [], activation: "relu", task: "regression", outputDim: 8 };
    const atThreshold = AUTO_NATIVE_MIN_MACS / (8 * 8);
    expect(selectBackend("auto", { spec: wide, batchSize: atThreshold - 1 }, { backends: [native] }).backend.name).toBe("js");
    expect(selectBackend("auto", { spec: wide, batchSize: atThreshold }, { backends: [native] }).backend.name).toBe("native");
  });

  it("auto: float64 stays in TypeScript (native trains float32 only), without a notice", () => {
    const s = selectBackend("auto", { spec: mnist, batchSize: 128, dtype: "float64" }, { backends: [native] });
    expect(s.backend.name).toBe("js");
    expect(s.notice).toBeUndefined();
  });

  it("auto without native: TypeScript and one line saying why and how to enable it", () => {
    const s = selectBackend("auto", { spec: mnist, batchSize: 128 }, { backends: [], nativeUnavailable: "the addon is not built" });
    expect(s.backend).toBe(jsBackend);
    expect(s.notice).toContain("the addon is not built");
    expect(s.notice).toContain(ENABLE_NATIVE_HINT);
    expect(s.notice).not.toContain("\n");
  });

  it("an explicit backend is used even for tiny networks; js never needs anything", () => {
    expect(selectBackend("native", { spec: xor, batchSize: 4 }, { backends: [native] }).backend).toBe(native);
    expect(selectBackend("js", { spec: mnist, batchSize: 128 }, { backends: [native] }).backend).toBe(jsBackend);
  });

  it("an unavailable or unsuitable backend is a clear error naming the field", () => {
    expect(() => selectBackend("native", { spec: xor, batchSize: 4 }, { backends: [], nativeUnavailable: "no OpenBLAS" })).toThrow(
      /^backend: native is not available: no OpenBLAS \(to enable it: apt-get install libopenblas-dev/,
    );
    expect(() => selectBackend("cuda", { spec: xor, batchSize: 4 }, { backends: [native] })).toThrow(/^backend: cuda is not available$/);
    expect(() => selectBackend("native", { spec: xor, batchSize: 4, dtype: "float64" }, { backends: [native] })).toThrow(
      /^backend: native cannot train this network: float32 only/,
    );
    expect(() => selectBackend("gpu" as never, { spec: xor, batchSize: 4 }, { backends: [] })).toThrow(
      /^backend: must be one of auto, js, native, cuda, tfjs, got "gpu"/,
    );
  });
});
