// The kernel benchmark's workloads (issue 4): the same networks for every backend and for the
// PyTorch peer. ReLU hidden layers; softmax + cross entropy on A and C, sigmoid + cross entropy
// on B (the slides' XOR network).

import type { MlpSpec } from "@automl/nn";

export interface Workload {
  name: string;
  /** Layer widths, input first: [784, 256, 256, 10] is 784 inputs, two hidden layers, 10 outputs. */
  dims: number[];
  batch: number;
  output: "softmax" | "sigmoid";
  what: string;
}

export const WORKLOADS: readonly Workload[] = [
  { name: "A", dims: [784, 256, 256, 10], batch: 128, output: "softmax", what: "784-256-256-10, batch 128" },
  { name: "B4", dims: [2, 8, 1], batch: 4, output: "sigmoid", what: "2-8-1 (XOR), batch 4" },
  { name: "B256", dims: [2, 8, 1], batch: 256, output: "sigmoid", what: "2-8-1 (XOR), batch 256" },
  { name: "C", dims: [1024, 1024, 1024, 1024, 10], batch: 256, output: "softmax", what: "1024-1024-1024-1024-10, batch 256" },
];

export function workloadSpec(w: Workload): MlpSpec {
  const inputDim = w.dims[0]!;
  const outputDim = w.dims[w.dims.length - 1]!;
  return w.output === "softmax"
    ? { inputDim, hidden: w.dims.slice(1, -1), activation: "relu", task: "multiclass", outputDim, output: "softmax" }
    : { inputDim, hidden: w.dims.slice(1, -1), activation: "relu", task: "binary", outputDim: 1, output: "sigmoid" };
}

/**
 * FLOPs of one training step: 6·B·Σ Din·Dout. The forward matmul is 2·B·Din·Dout (a multiply and
 * an add per weight per example), the backward pass two more of the same size (dW = Aᵀ dZ and
 * dA = dZ Wᵀ). Elementwise work, the cost and the update are left out (they are O(B·D) or O(D²)
 * without the B factor), so GFLOP/s is the matmul rate, comparable to sgemm's.
 */
export function flopsPerStep(w: Workload): number {
  let macs = 0;
  for (let l = 0; l + 1 < w.dims.length; l++) macs += w.dims[l]! * w.dims[l + 1]!;
  return 6 * w.batch * macs;
}

/** Random inputs and labels of the right kind (values do not affect the speed). */
export function workloadData(w: Workload, seed: number): { X: Float32Array; y: Float32Array } {
  let s = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: cheap and deterministic; the data only has to be the same every run
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const X = new Float32Array(w.batch * w.dims[0]!);
  for (let i = 0; i < X.length; i++) X[i] = 2 * next() - 1;
  const K = w.dims[w.dims.length - 1]!;
  const y = new Float32Array(w.batch);
  for (let i = 0; i < y.length; i++) y[i] = w.output === "softmax" ? Math.floor(next() * K) : next() < 0.5 ? 0 : 1;
  return { X, y };
}
