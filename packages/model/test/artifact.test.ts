import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { loadCsv } from "@automl/datasets";
import { applyPreprocessor, crossValidate, fitPreprocessor, type Mlp, type MlpSpec } from "@automl/nn";
import { ModelFormatError, ModelStore, modelId, parseArtifact, predictCsv, Predictor, refit, serializeArtifact } from "../src";

const LOANS = "examples/data/loans.csv";
const data = loadCsv(LOANS, { target: "approved", task: "binary", categorical: ["region"], showContent: true });
const spec: MlpSpec = { inputDim: data.d, hidden: [8], activation: "prelu", task: "binary", outputDim: 1 };
const train = { learningRate: 0.05, batchSize: 16, epochs: 5, momentum: 0.9 };

describe("model artifact", () => {
  const dir = mkdtempSync(join(tmpdir(), "automl-store-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("encodes raw cells exactly as the engine's preprocessing, and predicts as the trained model", async () => {
    const artifact = await refit(data, spec, train, { seed: 5, metric: "auc", target: "approved" });
    // The engine's own run on the same single split, keeping its model: the reference.
    const all = Int32Array.from({ length: data.n }, (_, i) => i);
    let engineModel: Mlp | undefined;
    await crossValidate({ ...data, categorical: data.categorical!.map((c) => c.column) }, [{ train: all, test: all }], spec, train, { seed: 5, metric: "auc", surface: false, onFoldTrained: (_f, m) => void (engineModel = m) });
    const prep = fitPreprocessor(data.X, data.d, all, [2]);
    const reference = applyPreprocessor(prep, data.X, all);

    const predictor = new Predictor(artifact);
    const text = readFileSync(LOANS, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const encoded = new Float32Array(data.n * predictor.width);
    text.forEach((cells, i) => predictor.encodeRow([cells[0]!, cells[1]!, cells[2]!, cells[3]!], encoded, i, i + 1));
    expect(predictor.width).toBe(prep.width);
    expect(Array.from(encoded)).toEqual(Array.from(reference));
    expect(Array.from(predictor.outputs(encoded, data.n))).toEqual(Array.from(engineModel!.forward(reference, data.n)));
    expect(artifact.features.map((f) => f.name)).toEqual(["income", "debt", "region", "years_employed"]);
    expect(artifact.classes).toEqual(data.classNames);
  });

  it("is content-addressed: same bytes, same id; a corrupted file is refused, never loaded", async () => {
    const artifact = await refit(data, spec, train, { seed: 5, metric: "auc", target: "approved" });
    const again = await refit(data, spec, train, { seed: 5, metric: "auc", target: "approved" });
    expect(modelId(serializeArtifact(again))).toBe(modelId(serializeArtifact(artifact)));
    expect(parseArtifact(serializeArtifact(artifact))).toEqual(artifact);
    const store = new ModelStore(dir);
    const stored = store.put(artifact);
    expect(store.resolve(stored.id.slice(0, 8)).artifact).toEqual(artifact);
    const bytes = readFileSync(stored.path, "utf8");
    writeFileSync(stored.path, bytes.replace(/"epochs":5/, '"epochs":6'));
    expect(() => store.resolve(stored.id)).toThrow(/does not hash to its name/);
    expect(() => parseArtifact('{"format":"something-else"}')).toThrow(ModelFormatError);
  });

  it("streams a CSV whose rows span many batches and quoted fields", async () => {
    const artifact = await refit(data, spec, train, { seed: 5, metric: "auc", target: "approved" });
    const header = "approved,region,years_employed,income,debt\n"; // other order, target present: ignored
    const body = readFileSync(LOANS, "utf8").trim().split("\n").slice(1).map((l) => {
      const [inc, debt, region, years, approved] = l.split(",");
      return `${approved},"${region}",${years},${inc},${debt}`;
    });
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on("data", (c: Buffer) => chunks.push(c.toString()));
    const n = await predictCsv(artifact, Readable.from([header, body.join("\n")]), out, { batchSize: 7 });
    const lines = chunks.join("").trim().split("\n");
    expect(n).toBe(data.n);
    expect(lines[0]).toBe("approved");
    // The same labels as one batch over the whole data set.
    const predictor = new Predictor(artifact);
    const encoded = new Float32Array(data.n * predictor.width);
    readFileSync(LOANS, "utf8").trim().split("\n").slice(1).forEach((l, i) => predictor.encodeRow(l.split(",").slice(0, 4), encoded, i, i + 1));
    const outputs = predictor.outputs(encoded, data.n);
    expect(lines.slice(1)).toEqual(Array.from({ length: data.n }, (_, i) => predictor.labelAt(outputs, i)));
  });
});
