// Where "auto" should switch from TypeScript to native: samples/s of both on small networks of
// growing size (multiply-adds per step = batch × Σ Din·width). Prints JSON lines.
// Usage: npx tsx packages/nn-native/scripts/crossover.ts
import { createRng } from "@automl/common";
import { jsBackend, MlpModel, stepMacs, type MlpSpec } from "@automl/nn";
import { loadNative } from "../src/index";

const native = loadNative().backend;
if (!native) throw new Error("native backend unavailable");

/** Median samples/s of `backend` and of js, measured alternately after a warm-up (JIT, BLAS threads). */
function compare(spec: MlpSpec, B: number): { js: number; native: number } {
  const rng = createRng(1);
  const X = Float32Array.from({ length: B * spec.inputDim }, () => rng.normal());
  const y = Float32Array.from({ length: B }, () => rng.int(2));
  const sessions = { js: jsBackend.createSession(new MlpModel(spec, 1), { momentum: 0.9 }), native: native!.createSession(new MlpModel(spec, 1), { momentum: 0.9 }) };
  const run = (name: "js" | "native", ms: number) => {
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      sessions[name].step(X, y, B, 1e-3);
      steps++;
    }
    return (steps * B) / ((performance.now() - t0) / 1000);
  };
  run("js", 400);
  run("native", 400);
  const rates = { js: [] as number[], native: [] as number[] };
  for (let r = 0; r < 9; r++) for (const name of ["js", "native"] as const) rates[name].push(run(name, 40));
  sessions.js.dispose();
  sessions.native.dispose();
  const median = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]!;
  return { js: median(rates.js), native: median(rates.native) };
}

for (const [d, w, B] of [
  [2, 8, 4],
  [2, 16, 16],
  [4, 24, 16],
  [8, 32, 16],
  [16, 32, 16],
  [16, 64, 16],
  [32, 64, 32],
  [64, 128, 32],
] as const) {
  const spec: MlpSpec = { inputDim: d, hidden: [w, w], activation: "relu", task: "binary", outputDim: 1 };
  const { js, native: nat } = compare(spec, B);
  console.log(JSON.stringify({ net: `${d}-${w}-${w}-1`, batch: B, macs: stepMacs(spec, B), js: Math.round(js), native: Math.round(nat), nativeOverJs: +(nat / js).toFixed(2) }));
}
