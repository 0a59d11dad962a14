import { describe, expect, it } from "vitest";
import { downloadName, modelHref, refitCommand } from "../lib/models";

const ID = "5aa3e7f599799fa9095240dc333494c4c45ce23120ae3d7a81b3ad374a198f27";

describe("model download names and the refit command", () => {
  it("names a download <study>-trial<N>-<id12>.<format>, the study name reduced to safe characters", () => {
    expect(downloadName("xor-demo", 1, ID, "json")).toBe("xor-demo-trial1-5aa3e7f59979.json");
    expect(downloadName("loans v2 (final)", 12, ID, "onnx")).toBe("loans_v2_final_-trial12-5aa3e7f59979.onnx");
    // No quotes, slashes or leading dots reach the Content-Disposition header or a file system.
    expect(downloadName('../"evil"\r\nname', 0, ID, "json")).toBe("evil_name-trial0-5aa3e7f59979.json");
    expect(downloadName("日本語", null, ID, "json")).toBe("model-trialunknown-5aa3e7f59979.json");
    expect(downloadName("x".repeat(500), 3, ID, "json")).toBe(`${"x".repeat(80)}-trial3-5aa3e7f59979.json`);
  });

  it("links the API's download and quotes the study for the shell only when needed", () => {
    expect(modelHref(ID)).toBe(`/api/v1/models/${ID}`);
    expect(modelHref(ID, "onnx")).toBe(`/api/v1/models/${ID}?format=onnx`);
    expect(refitCommand("ce7ca82e-cd4a-4cc5-8a14-d7526d0caf26", 2)).toBe("npx automl refit ce7ca82e-cd4a-4cc5-8a14-d7526d0caf26 --trial '#2'");
    expect(refitCommand("study-xor")).toBe("npx automl refit study-xor");
    expect(refitCommand("it's mine", 0)).toBe(`npx automl refit 'it'\\''s mine' --trial '#0'`);
  });
});
