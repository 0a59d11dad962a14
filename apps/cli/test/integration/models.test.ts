import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, it } from "vitest";
import { automl } from "../support";

/**
 * The model path a user takes after a search, on the embedded stack with real processes:
 * `run` → `refit` → `predict` (streamed, in batches) and `export-model` → onnxruntime-node.
 */
describe("refit, predict, export-model", () => {
  const home = mkdtempSync(join(tmpdir(), "automl-models-"));
  const env = { AUTOML_HOME: home };
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const rows = parse(readFileSync("examples/data/loans.csv"), { columns: true }) as Record<string, string>[];
  let modelId = "";
  let cvMean = 0;

  it("refits the best trial of a finished study into a stored model", async () => {
    const run = automl(["run", "examples/loans-csv.yaml", "--json", "--no-dashboard"], env);
    expect(await run.exited, run.stderr()).toBe(0);
    const best = (JSON.parse(run.stdout()) as { best: { number: number; cv: { mean: number } } }).best;
    const refit = automl(["refit", "loans-csv", "--json"], env);
    expect(await refit.exited, refit.stderr()).toBe(0);
    const out = JSON.parse(refit.stdout()) as { id: string; path: string; source: { trialNumber: number; cvMean: number; trainRows: number } };
    expect(out.id).toMatch(/^[0-9a-f]{64}$/);
    expect(out.source).toMatchObject({ trialNumber: best.number, trainRows: rows.length });
    expect(out.source.cvMean).toBeCloseTo(best.cv.mean, 10);
    expect(existsSync(out.path)).toBe(true);
    modelId = out.id;
    cvMean = out.source.cvMean;
  }, 240_000);

  it("predicts a CSV in batches: labels and probabilities for every row", async () => {
    const outFile = join(home, "pred.csv");
    const p = automl(["predict", modelId.slice(0, 10), "examples/data/loans.csv", "-o", outFile, "--proba", "--batch-size", "64"], env);
    expect(await p.exited, p.stderr()).toBe(0);
    const pred = parse(readFileSync(outFile), { columns: true }) as Record<string, string>[];
    expect(pred).toHaveLength(rows.length);
    expect(Object.keys(pred[0]!)).toEqual(["approved", "p_no", "p_yes"]);
    for (const r of pred) expect(Number(r.p_no) + Number(r.p_yes)).toBeCloseTo(1, 5);
    // In-sample accuracy of a model whose CV AUC is high: well above the majority class.
    const hits = pred.filter((r, i) => r.approved === rows[i]!.approved).length / rows.length;
    const majority = Math.max(...["no", "yes"].map((c) => rows.filter((r) => r.approved === c).length)) / rows.length;
    expect(cvMean).toBeGreaterThan(0.85);
    expect(hits).toBeGreaterThan(majority + 0.1);
  }, 120_000);

  it("exports ONNX that onnxruntime runs to the same labels", async () => {
    const onnxFile = join(home, "model.onnx");
    const e = automl(["export-model", modelId, "--format", "onnx", "-o", onnxFile], env);
    expect(await e.exited, e.stderr()).toBe(0);
    const json = JSON.parse(readFileSync(join(home, "models", `${modelId}.json`), "utf8")) as { features: { name: string; kind: string; levels?: string[] }[]; classes: string[] };
    const X = new Float32Array(rows.length * json.features.length);
    rows.forEach((r, i) => json.features.forEach((f, j) => (X[i * json.features.length + j] = f.kind === "numeric" ? Number(r[f.name]) : f.levels!.indexOf(r[f.name]!))));
    const session = await ort.InferenceSession.create(onnxFile);
    const out = await session.run({ features: new ort.Tensor("float32", X, [rows.length, json.features.length]) });
    const labels = Array.from(out.label!.data as BigInt64Array, (v) => json.classes[Number(v)]);
    const pred = parse(readFileSync(join(home, "pred.csv")), { columns: true }) as Record<string, string>[];
    expect(labels).toEqual(pred.map((r) => r.approved));
    const p1 = out.probabilities!.data as Float32Array;
    pred.forEach((r, i) => expect(Math.abs(p1[i]! - Number(r.p_yes))).toBeLessThanOrEqual(1e-5));
    await session.release();
  }, 120_000);

  it("refuses bad rows with exit 2, naming the column and row, and leaves no output file", async () => {
    const lines = readFileSync("examples/data/loans.csv", "utf8").trim().split("\n");
    const cases: [string, RegExp][] = [
      [lines.map((l, i) => (i === 7 ? l.replace(/,(east|west|north|south)[^,]*,/, ",mars,") : l)).join("\n"), /data row 7, column "region": category "mars" was not seen in training/],
      [lines.map((l, i) => (i === 3 ? l.replace(/^[^,]+/, "lots") : l)).join("\n"), /data row 3, column "income": "lots" is not a number/],
      [lines.map((l) => l.split(",").filter((_, j) => j !== 1).join(",")).join("\n"), /column "debt": is missing from the input/],
    ];
    for (const [text, message] of cases) {
      const input = join(home, "bad.csv");
      const outFile = join(home, "bad-out.csv");
      writeFileSync(input, text);
      const p = automl(["predict", modelId, input, "-o", outFile], env);
      expect(await p.exited).toBe(2);
      expect(p.stderr()).toMatch(message);
      expect(existsSync(outFile)).toBe(false);
    }
    const unknown = automl(["predict", "0123456789ab", "examples/data/loans.csv"], env);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toMatch(/no model 0123456789ab/);
  }, 120_000);
});
