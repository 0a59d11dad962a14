import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { AUTO_CUDA_MIN_MACS, jsBackend, stepMacs, type Backend } from "@automl/nn";
import { availableBackends, availableBackendsFor, backendFor, backendStartupNotice, tfjsEngineNotice } from "./backend-choice";

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

  it("auto prefers cuda over native only for steps of at least AUTO_CUDA_MIN_MACS multiply-adds", () => {
    const cuda: Backend = { ...jsBackend, name: "cuda" };
    const both = { backends: [native, cuda] };
    const big = { inputDim: 784, hidden: [1024, 1024], activation: "relu" as const, task: "multiclass" as const, outputDim: 10 };
    expect(stepMacs(wide, 64)).toBeLessThan(AUTO_CUDA_MIN_MACS);
    expect(stepMacs(big, 64)).toBeGreaterThanOrEqual(AUTO_CUDA_MIN_MACS);
    expect(backendFor("auto", wide, 64, both).name).toBe("native");
    expect(backendFor("auto", big, 64, both).name).toBe("cuda");
    expect(backendFor("auto", big, 64, { backends: [cuda], nativeUnavailable: "x" }).name).toBe("cuda");
    expect(backendFor("auto", wide, 64, { backends: [cuda], nativeUnavailable: "x" }).name).toBe("js");
    expect(backendFor("cuda", wide, 64, both).name).toBe("cuda"); // by name: whatever the size
  });

  it("AUTOML_BACKEND=cuda where it cannot load refuses to start, naming the field and why", () => {
    const available = availableBackends();
    const hasGpu = spawnSync("nvidia-smi", ["-L"]).status === 0;
    if (!hasGpu) expect(available.backends.some((b) => b.name === "cuda")).toBe(false);
    if (available.backends.some((b) => b.name === "cuda")) {
      expect(backendStartupNotice("cuda", available)).toBeUndefined(); // a GPU machine with the addon built
      return;
    }
    expect(available.cudaUnavailable).toMatch(/^(not built: .+|no CUDA device.*|the cuda addon failed to load: .+)$/);
    expect(() => backendStartupNotice("cuda", available)).toThrow(/^backend: cuda is not available: (not built|no CUDA device|the cuda addon failed)/);
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
