import { describe, expect, it } from "vitest";
import { TrialSpec } from "@automl/proto";
import { openCheckpoint, parseCheckpointEvery, sealCheckpoint } from "./checkpoints";

const spec = TrialSpec.fromPartial({ trialId: "t-1", studyId: "s", paramsJson: '{"widths":[8]}', trainingJson: "{}", dataset: { builtin: "xor", path: "/cache/a" }, folds: 3, seed: 1, trialSeed: 2, epochs: 9 });
const payload = new Uint8Array([1, 2, 3, 250, 10, 0]);

describe("sealed checkpoints", () => {
  it("open to their payload for the same trial, whatever path the worker resolved", () => {
    const sealed = sealCheckpoint(spec, payload);
    const opened = openCheckpoint({ ...spec, dataset: { ...spec.dataset!, path: "/elsewhere" } }, sealed);
    expect("payload" in opened && Array.from(opened.payload)).toEqual(Array.from(payload));
  });

  it("are refused when corrupt, another trial's, or of another configuration", () => {
    const sealed = sealCheckpoint(spec, payload);
    const flipped = sealed.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(openCheckpoint(spec, flipped)).toEqual({ refused: "content does not match its hash (corrupt)" });
    expect(openCheckpoint({ ...spec, trialId: "t-2" }, sealed)).toEqual({ refused: "another trial's checkpoint" });
    expect(openCheckpoint({ ...spec, epochs: 10 }, sealed)).toEqual({ refused: "another trial's checkpoint" });
    expect(openCheckpoint(spec, new TextEncoder().encode("garbage"))).toEqual({ refused: "no header" });
    expect(openCheckpoint(spec, new TextEncoder().encode("{nope\nxx"))).toEqual({ refused: "unreadable header" });
  });

  it("AUTOML_CHECKPOINT_EVERY: epochs, seconds or off; anything else is refused", () => {
    expect(parseCheckpointEvery("5")).toEqual({ everyEpochs: 5, everyMs: 0 });
    expect(parseCheckpointEvery("30s")).toEqual({ everyEpochs: 0, everyMs: 30_000 });
    expect(parseCheckpointEvery("off")).toBeNull();
    expect(parseCheckpointEvery("0")).toBeNull();
    expect(() => parseCheckpointEvery("5m")).toThrow(/AUTOML_CHECKPOINT_EVERY/);
  });
});
