import { describe, expect, it } from "vitest";
import { jsBackend, type Backend } from "@automl/nn";
import { availableBackendsFor, backendFor, backendStartupNotice, tfjsEngineNotice } from "./backend-choice";

const missing = { backends: [], nativeUnavailable: "the addon is not built" };
const native: Backend = { ...jsBackend, name: "native" };
const wide = { inputDim: 64, hidden: [256, 256], activation: "relu" as const, task: "binary" as const, outputDim: 1 };

describe("the worker's backend choice", () => {
  it("auto without the addon: one line saying why and how to enable it; trials train in TypeScript", () => {
    const notice = backendStartupNotice("auto", missing);
    expect(notice).toBe(
      "native backend unavailable (the addon is not built); training in TypeScript. To enable it: apt-get install libopenblas-dev && npm run build -w @automl/nn-native",
    );
    expect(backendFor("auto", wide, 64, missing).name).toBe("js");
  });

  it("auto with the addon: nothing to say at start; wide networks go native", () => {
    expect(backendStartupNotice("auto", { backends: [native] })).toBeUndefined();
    expect(backendFor("auto", wide, 64, { backends: [native] }).name).toBe("native");
  });

  it("an explicit backend that cannot load refuses to start, naming the field", () => {
    expect(() => backendStartupNotice("native", missing)).toThrow(/^backend: native is not available: the addon is not built/);
    expect(() => backendStartupNotice("tfjs", missing)).toThrow(/^backend: tfjs is not available$/);
    expect(backendStartupNotice("js", missing)).toBeUndefined();
  });

  it("tfjs is loaded when asked for by name, trains the trial, and says which engine it runs on", async () => {
    const available = await availableBackendsFor("tfjs");
    expect(backendStartupNotice("tfjs", available)).toBeUndefined();
    expect(backendFor("tfjs", wide, 64, available).name).toBe("tfjs");
    // Neither tfjs-node package installs here (their install downloads libtensorflow).
    expect(await tfjsEngineNotice()).toMatch(/^tfjs engine: (cpu|tensorflow|tensorflow-gpu)/);
    expect((await availableBackendsFor("auto")).backends.some((b) => b.name === "tfjs")).toBe(false);
  });
});
