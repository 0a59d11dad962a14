// ONNX export checked in a real runtime: every hidden unit × output unit is refit on a small
// data set with a categorical column, exported, loaded in onnxruntime-node, and run on held-out
// rows; its outputs must equal the engine's (MlpModel.forward on the artifact's weights) within
// 1e-5 (absolute, or relative past magnitude 1: float32 sums in a different order).
import { describe, expect, it } from "vitest";
import * as ort from "onnxruntime-node";
import { createRng } from "@automl/common";
import type { Dataset } from "@automl/datasets";
import { ACTIVATIONS, type Activation, type OutputUnit, type Task } from "@automl/nn";
import { exportOnnx, onnxFeatures, Predictor, refit, type ModelArtifact } from "../src";

const LEVELS = ["red", "green", "blue"];
const PAIRS: { output: OutputUnit; task: Task; K: number }[] = [
  { output: "sigmoid", task: "binary", K: 1 },
  { output: "softmax", task: "multiclass", K: 3 },
  { output: "softmax_km1", task: "multiclass", K: 3 },
  { output: "linear", task: "regression", K: 1 },
];

/** Raw rows: three numeric columns on different scales and one categorical column. */
function rawRows(n: number, seed: number): (string | number)[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => [rng.normal() * 3 + 10, rng.normal() * 0.01, rng.next() * 100, LEVELS[Math.floor(rng.next() * 3)]!]);
}

function dataset(task: Task, rows: (string | number)[][]): Dataset {
  const n = rows.length;
  const X = new Float32Array(n * 4);
  const y = new Float32Array(n);
  rows.forEach((r, i) => {
    const code = LEVELS.indexOf(r[3] as string);
    X.set([r[0] as number, r[1] as number, r[2] as number, code], i * 4);
    const s = ((r[0] as number) - 10) / 3 + (r[1] as number) * 100 + code - 1;
    y[i] = task === "regression" ? s : task === "binary" ? (s > 0 ? 1 : 0) : s < -0.7 ? 0 : s < 0.7 ? 1 : 2;
  });
  const classes = task === "binary" ? 2 : task === "multiclass" ? 3 : 0;
  return {
    X,
    y,
    n,
    d: 4,
    task,
    classes,
    featureNames: ["size", "tiny", "percent", "colour"],
    categorical: [{ column: 3, name: "colour", levels: LEVELS }],
    ...(classes ? { classNames: task === "binary" ? ["no", "yes"] : ["low", "mid", "high"] } : {}),
  };
}

async function runOnnx(a: ModelArtifact, rows: (string | number)[][]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(exportOnnx(a));
  const input = new ort.Tensor("float32", onnxFeatures(a, rows), [rows.length, a.features.length]);
  const out = await session.run({ features: input });
  await session.release();
  return (out[a.task === "regression" ? "predictions" : "probabilities"]!.data as Float32Array).slice();
}

describe("ONNX export", () => {
  const heldOut = rawRows(64, 99);
  for (const act of ACTIVATIONS) {
    for (const { output, task, K } of PAIRS) {
      it(`${act} × ${output}: onnxruntime matches the engine within 1e-5`, async () => {
        const data = dataset(task, rawRows(150, 7));
        const spec = { inputDim: 4, hidden: [6, 5], activation: act as Activation, task, outputDim: K, output };
        const artifact = await refit(data, spec, { learningRate: 0.05, batchSize: 16, epochs: 4, momentum: 0.5 }, { seed: 3, metric: task === "regression" ? "mse" : "accuracy", target: "y" });
        const predictor = new Predictor(artifact);
        const encoded = new Float32Array(heldOut.length * predictor.width);
        heldOut.forEach((r, i) => predictor.encodeRow(r.map(String), encoded, i, i + 1));
        const engine = predictor.outputs(encoded, heldOut.length);
        const onnx = await runOnnx(artifact, heldOut);
        expect(onnx.length).toBe(heldOut.length * K);
        let worst = 0;
        for (let i = 0; i < engine.length; i++) worst = Math.max(worst, Math.abs(onnx[i]! - engine[i]!) / Math.max(1, Math.abs(engine[i]!)));
        expect(worst).toBeLessThanOrEqual(1e-5);
        // Not a constant model: the outputs vary across rows (else the check above proves little).
        expect(new Set(Array.from(engine, (v) => v.toFixed(4))).size).toBeGreaterThan(5);
      });
    }
  }

  it("labels: ONNX's class index is the engine's predicted label", async () => {
    const data = dataset("multiclass", rawRows(150, 8));
    const artifact = await refit(data, { inputDim: 4, hidden: [8], activation: "tanh", task: "multiclass", outputDim: 3 }, { learningRate: 0.1, batchSize: 16, epochs: 10 }, { seed: 1, metric: "accuracy", target: "y" });
    const predictor = new Predictor(artifact);
    const encoded = new Float32Array(heldOut.length * predictor.width);
    heldOut.forEach((r, i) => predictor.encodeRow(r.map(String), encoded, i, i + 1));
    const engine = predictor.outputs(encoded, heldOut.length);
    const session = await ort.InferenceSession.create(exportOnnx(artifact));
    const out = await session.run({ features: new ort.Tensor("float32", onnxFeatures(artifact, heldOut), [heldOut.length, 4]) });
    const labels = Array.from(out.label!.data as BigInt64Array, (v) => artifact.classes![Number(v)]);
    expect(labels).toEqual(heldOut.map((_, i) => predictor.labelAt(engine, i)));
    expect(new Set(labels).size).toBeGreaterThan(1);
  });
});
