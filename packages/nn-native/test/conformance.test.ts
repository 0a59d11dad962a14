import { describe, expect, it } from "vitest";
import { describeBackendConformance } from "@automl/nn/testing";
import { loadNative } from "../src/index";
import { requireNative } from "./support";

const native = requireNative();
if (native) describeBackendConformance("native", native.backend);

describe("the native backend", () => {
  it.skipIf(!native)("trains float32 only: float64 is refused with the reason", () => {
    expect(native!.backend.unsupported({ inputDim: 2, hidden: [3], activation: "relu", task: "binary", outputDim: 1 }, "float64")).toMatch(
      /float32 only/,
    );
  });
  it("loadNative is cached and names a reason when unavailable", () => {
    const a = loadNative();
    expect(loadNative()).toBe(a);
    if (!a.backend) expect(a.reason).toMatch(/addon/);
  });
});
