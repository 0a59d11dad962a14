import { describe, expect, it } from "vitest";
import { ablationVariants, HIDDEN_UNITS, type AblationParams } from "./variants";

const base: AblationParams = {
  depth: 2,
  widths: [32, 9],
  activations: ["relu", "relu"],
  output: "",
  learningRate: 0.1,
  batchSize: 16,
  epochs: 20,
  momentum: 0.9,
  label: "ablation:base",
  trialSeed: 123,
};

describe("ablation variants", () => {
  it("multiclass base: 6 other units, depth ±1, width ×2/÷2, the K−1 output — each differs in one factor", () => {
    const { variants, skipped } = ablationVariants(base, { task: "multiclass" });
    expect(skipped).toEqual([]);
    expect(variants.map((v) => `${v.factor}:${v.variant}`)).toEqual([
      ...HIDDEN_UNITS.filter((u) => u !== "relu").map((u) => `activation:${u}`),
      "depth:-1",
      "depth:+1",
      "width:×2",
      "width:÷2",
      "output:softmax_km1",
    ]);
    const by = (f: string, v: string) => variants.find((x) => x.factor === f && x.variant === v)!.params;
    expect(by("activation", "tanh").activations).toEqual(["tanh", "tanh"]);
    expect(by("depth", "-1")).toMatchObject({ depth: 1, widths: [32], activations: ["relu"] });
    expect(by("depth", "+1")).toMatchObject({ depth: 3, widths: [32, 9, 9], activations: ["relu", "relu", "relu"] });
    expect(by("width", "×2").widths).toEqual([64, 18]);
    expect(by("width", "÷2").widths).toEqual([16, 5]); // 9/2 = 4.5 rounds to 5
    expect(by("output", "softmax_km1").output).toBe("softmax_km1");
    for (const v of variants) {
      // Everything else is the base's, including its seed; the label is not inherited.
      expect(v.params).toMatchObject({ learningRate: 0.1, batchSize: 16, epochs: 20, momentum: 0.9, trialSeed: 123 });
      expect(v.params.label).toBeUndefined();
      const changed = (["depth", "widths", "activations", "output"] as const).filter((k) => JSON.stringify(v.params[k]) !== JSON.stringify(base[k]));
      expect(changed.length).toBeGreaterThan(0);
      if (v.factor !== "depth") expect(changed).toHaveLength(1);
    }
    expect(base.widths).toEqual([32, 9]); // the base is not modified
  });

  it("softmax_km1 base gets softmax as its output variant", () => {
    const { variants } = ablationVariants({ ...base, output: "softmax_km1" }, { task: "multiclass" });
    expect(variants.at(-1)).toMatchObject({ factor: "output", variant: "softmax" });
  });

  it("skips what cannot be built, with the reason", () => {
    const { variants, skipped } = ablationVariants({ ...base, depth: 1, widths: [1], activations: ["tanh"] }, { task: "binary", activations: ["relu", "tanh"] });
    expect(variants.map((v) => `${v.factor}:${v.variant}`)).toEqual(["activation:relu", "depth:+1", "width:×2"]);
    expect(skipped.map((s) => `${s.factor}:${s.variant}`)).toEqual(["depth:-1", "width:÷2", "output:K−1"]);
    expect(skipped.find((s) => s.factor === "output")!.reason).toMatch(/binary/);
    const wide = ablationVariants({ ...base, depth: 16, widths: Array(16).fill(4096), activations: Array(16).fill("relu") }, { task: "regression" });
    expect(wide.skipped.map((s) => s.variant)).toEqual(["+1", "×2", "K−1"]);
  });

  it("a per-layer base tries each unit on every layer (none equals the base)", () => {
    const { variants } = ablationVariants({ ...base, activations: ["relu", "tanh"] }, { task: "binary" });
    expect(variants.filter((v) => v.factor === "activation")).toHaveLength(7);
  });

  it("refuses inconsistent params", () => {
    expect(() => ablationVariants({ ...base, depth: 3 }, { task: "binary" })).toThrow(/depth 3 but 2 widths/);
  });
});
