// Quick samples/s of a training step (forward + backward + update) on js and native, for the
// README's figures; the official benchmark with the PyTorch peer is bench/nn. Prints JSON lines.
// Usage: npx tsx packages/nn-native/scripts/speed.ts [A|B|C|FT|FR ...] [--js]
import { createRng } from "@automl/common";
import { jsBackend, MlpModel, type Backend, type MlpSpec } from "@automl/nn";
import { loadNative } from "../src/index";

const NETS: Record<string, { spec: MlpSpec; batch: number }> = {
  A: { spec: { inputDim: 784, hidden: [256, 256], activation: "relu", task: "multiclass", outputDim: 10 }, batch: 128 },
  B: { spec: { inputDim: 2, hidden: [8], activation: "tanh", task: "binary", outputDim: 1 }, batch: 4 },
  C: { spec: { inputDim: 1024, hidden: [1024, 1024, 1024], activation: "relu", task: "multiclass", outputDim: 10 }, batch: 256 },
  // What the Fashion-MNIST example's sampler draws: the same network with tanh and with ReLU units.
  FT: { spec: { inputDim: 784, hidden: [121, 120], activation: "tanh", task: "multiclass", outputDim: 10 }, batch: 64 },
  FR: { spec: { inputDim: 784, hidden: [121, 120], activation: "relu", task: "multiclass", outputDim: 10 }, batch: 64 },
};

function measure(backend: Backend, name: string, seconds: number): void {
  const { spec, batch } = NETS[name]!;
  const model = new MlpModel(spec, 1);
  const session = backend.createSession(model, { momentum: 0.9 });
  const rng = createRng(2);
  const X = Float32Array.from({ length: batch * spec.inputDim }, () => rng.normal());
  const y = Float32Array.from({ length: batch }, () => (spec.task === "binary" ? rng.int(2) : rng.int(spec.outputDim)));
  for (let i = 0; i < 5; i++) session.step(X, y, batch, 0.001);
  const rates: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    let steps = 0;
    const t0 = performance.now();
    do {
      session.step(X, y, batch, 0.001);
      steps++;
    } while (performance.now() - t0 < 50);
    rates.push((steps * batch) / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  session.dispose();
  const samplesPerSec = rates[rates.length >> 1]!;
  console.log(JSON.stringify({ net: name, backend: backend.name, batch, samplesPerSec: Math.round(samplesPerSec), usPerStep: Math.round((batch / samplesPerSec) * 1e6) }));
}

const args = process.argv.slice(2);
const nets = args.filter((a) => a in NETS);
const native = loadNative();
if (!native.backend) throw new Error(`native unavailable: ${native.reason}`);
for (const n of nets.length ? nets : Object.keys(NETS)) {
  measure(native.backend, n, 3);
  if (args.includes("--js")) measure(jsBackend, n, n === "B" ? 3 : 2);
}
