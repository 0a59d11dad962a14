import { createRng, type Rng } from "@automl/common/core";
import { DatasetSpecError, type BuiltinDatasetSpec, type BuiltinName, type Dataset } from "./types";

export const BUILTIN_DATASETS: readonly BuiltinName[] = ["xor", "moons", "circles", "spirals"];

const DEFAULT_N = 400;
const DEFAULT_NOISE = 0.1;
const DEFAULT_SPIRAL_ARMS = 3;
// Bounds that keep a typo (n: 1e12) from allocating the machine away.
const MAX_N = 10_000_000;
const MAX_CLASSES = 1000;

/**
 * A seeded synthetic 2-D dataset. Rows are shuffled (like sklearn's generators) so that
 * contiguous slices are not sorted by class. Classes are balanced to within one example.
 */
export function generateDataset(spec: BuiltinDatasetSpec, seed: number): Dataset {
  if (spec === null || typeof spec !== "object") {
    throw new DatasetSpecError("dataset", "must be an object like { builtin: \"xor\" }");
  }
  if (!BUILTIN_DATASETS.includes(spec.builtin)) {
    throw new DatasetSpecError(
      "builtin",
      `must be one of ${BUILTIN_DATASETS.join(", ")}, got ${JSON.stringify(spec.builtin)}`,
    );
  }
  const isSpirals = spec.builtin === "spirals";
  const classes = spec.classes ?? (isSpirals ? DEFAULT_SPIRAL_ARMS : 2);
  if (!Number.isInteger(classes) || classes < 2 || classes > MAX_CLASSES) {
    throw new DatasetSpecError("classes", `must be an integer in [2, ${MAX_CLASSES}], got ${String(spec.classes)}`);
  }
  if (!isSpirals && classes !== 2) {
    throw new DatasetSpecError("classes", `${spec.builtin} is binary; classes must be 2 or omitted, got ${classes}`);
  }
  const n = spec.n ?? DEFAULT_N;
  if (!Number.isInteger(n) || n < classes || n > MAX_N) {
    throw new DatasetSpecError("n", `must be an integer in [${classes}, ${MAX_N}], got ${String(spec.n)}`);
  }
  const noise = spec.noise ?? DEFAULT_NOISE;
  if (typeof noise !== "number" || !Number.isFinite(noise) || noise < 0) {
    throw new DatasetSpecError("noise", `must be a finite number ≥ 0, got ${String(spec.noise)}`);
  }
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new DatasetSpecError("seed", `must be a finite number, got ${String(seed)}`);
  }

  const rng = createRng(seed);
  const X = new Float32Array(n * 2);
  const y = new Float32Array(n);
  switch (spec.builtin) {
    case "xor":
      fillXor(X, y, n, noise, rng);
      break;
    case "moons":
      fillMoons(X, y, n, noise, rng);
      break;
    case "circles":
      fillCircles(X, y, n, noise, rng);
      break;
    case "spirals":
      fillSpirals(X, y, n, classes, noise, rng);
      break;
  }
  shuffleRows(X, y, n, rng);
  return {
    X,
    y,
    n,
    d: 2,
    task: isSpirals ? "multiclass" : "binary",
    classes,
    featureNames: ["x1", "x2"],
  };
}

// Blob order alternates labels so that every prefix of the round-robin is balanced.
const XOR_CENTERS: readonly [number, number, number][] = [
  [1, 1, 0],
  [1, -1, 1],
  [-1, -1, 0],
  [-1, 1, 1],
];

function fillXor(X: Float32Array, y: Float32Array, n: number, noise: number, rng: Rng): void {
  for (let i = 0; i < n; i++) {
    const [cx, cy, label] = XOR_CENTERS[i % 4]!;
    X[2 * i] = cx + noise * rng.normal();
    X[2 * i + 1] = cy + noise * rng.normal();
    y[i] = label; // 1 where the coordinate signs differ: x1 XOR x2
  }
}

// sklearn.datasets.make_moons: outer half circle (label 0) and inner, shifted one (label 1).
function fillMoons(X: Float32Array, y: Float32Array, n: number, noise: number, rng: Rng): void {
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  for (let i = 0; i < nOut; i++) {
    const t = nOut > 1 ? (Math.PI * i) / (nOut - 1) : 0;
    X[2 * i] = Math.cos(t) + noise * rng.normal();
    X[2 * i + 1] = Math.sin(t) + noise * rng.normal();
    y[i] = 0;
  }
  for (let i = 0; i < nIn; i++) {
    const t = nIn > 1 ? (Math.PI * i) / (nIn - 1) : 0;
    const r = nOut + i;
    X[2 * r] = 1 - Math.cos(t) + noise * rng.normal();
    X[2 * r + 1] = 0.5 - Math.sin(t) + noise * rng.normal();
    y[r] = 1;
  }
}

// sklearn.datasets.make_circles with factor 0.5: outer circle label 0, inner label 1.
function fillCircles(X: Float32Array, y: Float32Array, n: number, noise: number, rng: Rng): void {
  const factor = 0.5;
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  for (let i = 0; i < nOut; i++) {
    const t = (2 * Math.PI * i) / nOut;
    X[2 * i] = Math.cos(t) + noise * rng.normal();
    X[2 * i + 1] = Math.sin(t) + noise * rng.normal();
    y[i] = 0;
  }
  for (let i = 0; i < nIn; i++) {
    const t = (2 * Math.PI * i) / nIn;
    const r = nOut + i;
    X[2 * r] = factor * Math.cos(t) + noise * rng.normal();
    X[2 * r + 1] = factor * Math.sin(t) + noise * rng.normal();
    y[r] = 1;
  }
}

// K interleaved arms: arm k starts at angle 2πk/K and winds 4 rad (the CS231n spiral) while
// the radius grows to 1.
const SPIRAL_WIND = 4;

function fillSpirals(X: Float32Array, y: Float32Array, n: number, K: number, noise: number, rng: Rng): void {
  let row = 0;
  for (let k = 0; k < K; k++) {
    const nk = Math.floor(n / K) + (k < n % K ? 1 : 0);
    for (let i = 0; i < nk; i++) {
      const t = nk > 1 ? i / (nk - 1) : 1;
      const r = 0.05 + 0.95 * t; // keep arms apart at the centre
      const angle = (2 * Math.PI * k) / K + SPIRAL_WIND * t;
      X[2 * row] = r * Math.sin(angle) + noise * rng.normal();
      X[2 * row + 1] = r * Math.cos(angle) + noise * rng.normal();
      y[row] = k;
      row++;
    }
  }
}

function shuffleRows(X: Float32Array, y: Float32Array, n: number, rng: Rng): void {
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(perm);
  const X0 = X.slice();
  const y0 = y.slice();
  for (let i = 0; i < n; i++) {
    const src = perm[i]!;
    X[2 * i] = X0[2 * src]!;
    X[2 * i + 1] = X0[2 * src + 1]!;
    y[i] = y0[src]!;
  }
}
