// The trained network as a file that leaves the platform: its weights and everything prediction
// needs (feature names and order, standardization statistics, category levels, class labels,
// task and output unit), plus where it came from. JSON, so any language can read it; the weights
// are little-endian float32 in base64. Content-addressed: a model's id is the SHA-256 of its bytes.
import { createHash } from "node:crypto";
import { MlpModel, resolveLeakyAlpha, resolveMaxoutPieces, resolveOutputUnit, validateMlpSpec, type Mlp, type MlpSpec, type Task } from "@automl/nn";

export const MODEL_FORMAT = "automl-model";
export const MODEL_FORMAT_VERSION = 1;
/** Written into every artifact; bump with the engine's forward semantics. */
export const ENGINE_VERSION = "@automl/nn 0.1.0";

/** How one raw input column becomes encoded model inputs, in the raw column order. */
export type FeatureEncoding =
  /** One input: (x − mean) / std. */
  | { name: string; kind: "numeric"; mean: number; std: number }
  /** One indicator input per level, in this order; a value outside `levels` is refused. */
  | { name: string; kind: "categorical"; levels: string[] };

export interface StoredTensor {
  name: string;
  shape: number[];
  /** Little-endian float32, base64. */
  data: string;
}

/** Where a model came from; every field optional for models trained outside a study. */
export interface ModelSource {
  studyId?: string;
  studyName?: string;
  trialId?: string;
  trialNumber?: number;
  metric?: string;
  /** The trial's cross-validation result the model stands for. */
  cvMean?: number;
  cvStd?: number;
  /** Epochs the model was trained for, the rows it saw and its seed. */
  epochs: number;
  trainRows: number;
  seed: number;
  /** The metric on the training rows after the refit (in-sample: not an estimate of generalization). */
  trainScore?: number;
}

export interface ModelArtifact {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_FORMAT_VERSION;
  engine: string;
  task: Task;
  /** Name of the column the model predicts. */
  target: string;
  features: FeatureEncoding[];
  /** Class labels by class index (classification); null for regression. */
  classes: string[] | null;
  /** inputDim is the encoded width; output unit, leaky slope and maxout pieces are explicit. */
  spec: MlpSpec;
  params: StoredTensor[];
  source: ModelSource;
}

/** A file that is not a model this version can read, or a model that contradicts itself. */
export class ModelFormatError extends Error {
  constructor(message: string) {
    super(`model: ${message}`);
    this.name = "ModelFormatError";
  }
}

/** The preprocessing a trained model expects, in the engine's terms (see @automl/nn preprocess.ts). */
export interface TrainedPreprocessing {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
  /** Per raw column: null for numeric, else the category codes in encoded order. */
  categories: (number[] | null)[];
}

export interface DatasetDescription {
  task: Task;
  target: string;
  featureNames: string[];
  /** Level names of categorical columns by column index: code i means levels[i]. */
  levels: (string[] | undefined)[];
  classNames?: string[];
}

function encodeTensor(name: string, shape: number[], data: ArrayLike<number>): StoredTensor {
  const f = Float32Array.from(data as ArrayLike<number>);
  const bytes = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  return { name, shape, data: bytes.toString("base64") };
}

/** The values of a stored tensor (little-endian float32, as written by encodeTensor). */
export function decodeTensor(t: StoredTensor): Float32Array {
  const bytes = Buffer.from(t.data, "base64");
  if (bytes.length % 4 !== 0) throw new ModelFormatError(`tensor ${t.name}: ${bytes.length} bytes is not a whole number of float32 values`);
  const out = new Float32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** An artifact from a trained model, its preprocessing and the data set it was trained on. */
export function buildArtifact(model: Mlp, prep: TrainedPreprocessing, data: DatasetDescription, source: ModelSource): ModelArtifact {
  const features: FeatureEncoding[] = data.featureNames.map((name, j) => {
    const codes = prep.categories[j];
    if (!codes) return { name, kind: "numeric", mean: Number(prep.mean[j]), std: Number(prep.std[j]) };
    const levels = data.levels[j];
    if (!levels) throw new ModelFormatError(`column ${name} is categorical but its level names are unknown`);
    return { name, kind: "categorical", levels: codes.map((c) => levels[c]!) };
  });
  const spec: MlpSpec = {
    ...model.spec,
    hidden: [...model.spec.hidden],
    activation: typeof model.spec.activation === "string" ? model.spec.activation : [...model.spec.activation],
    output: resolveOutputUnit(model.spec),
    leakyAlpha: resolveLeakyAlpha(model.spec),
    maxoutPieces: resolveMaxoutPieces(model.spec),
  };
  const classes = data.task === "regression" ? null : (data.classNames ?? Array.from({ length: Math.max(2, model.spec.outputDim) }, (_, i) => String(i)));
  const artifact: ModelArtifact = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    engine: ENGINE_VERSION,
    task: data.task,
    target: data.target,
    features,
    classes,
    spec,
    params: model.getParams().map((p) => encodeTensor(p.name, p.shape, p.data)),
    source,
  };
  checkArtifact(artifact);
  return artifact;
}

/** Encoded input width the features produce. */
export function encodedWidth(features: readonly FeatureEncoding[]): number {
  return features.reduce((w, f) => w + (f.kind === "numeric" ? 1 : f.levels.length), 0);
}

/** Throws ModelFormatError unless the artifact is internally consistent. */
export function checkArtifact(a: ModelArtifact): void {
  if (a === null || typeof a !== "object" || a.format !== MODEL_FORMAT) throw new ModelFormatError(`not an ${MODEL_FORMAT} file`);
  if (a.version !== MODEL_FORMAT_VERSION) throw new ModelFormatError(`format version ${String(a.version)}; this build reads version ${MODEL_FORMAT_VERSION}`);
  if (!Array.isArray(a.features) || a.features.length === 0) throw new ModelFormatError("no features");
  try {
    validateMlpSpec(a.spec);
  } catch (err) {
    throw new ModelFormatError(`bad spec: ${(err as Error).message}`);
  }
  const width = encodedWidth(a.features);
  if (a.spec.inputDim !== width) throw new ModelFormatError(`spec.inputDim ${a.spec.inputDim} but the features encode to ${width} inputs`);
  if ((a.task === "regression") !== (a.classes === null)) throw new ModelFormatError("classes must be given exactly for classification");
  if (a.classes && a.classes.length !== (a.task === "binary" ? 2 : a.spec.outputDim)) {
    throw new ModelFormatError(`${a.classes.length} class labels for a ${a.task} model with output width ${a.spec.outputDim}`);
  }
  for (const f of a.features) {
    if (f.kind === "numeric" && !(Number.isFinite(f.mean) && Number.isFinite(f.std) && f.std > 0)) throw new ModelFormatError(`feature ${f.name}: bad statistics`);
    if (f.kind === "categorical" && (!Array.isArray(f.levels) || new Set(f.levels).size !== f.levels.length)) throw new ModelFormatError(`feature ${f.name}: levels must be distinct`);
  }
}

/** The engine's model with the artifact's weights (float32, as trained). */
export function modelOf(a: ModelArtifact): MlpModel {
  checkArtifact(a);
  const model = new MlpModel(a.spec, 0);
  try {
    model.setParams(a.params.map((t) => ({ name: t.name, shape: t.shape, data: Array.from(decodeTensor(t)) })));
  } catch (err) {
    throw new ModelFormatError(`weights do not fit the spec: ${(err as Error).message}`);
  }
  return model;
}

/** The artifact's bytes: compact UTF-8 JSON. */
export function serializeArtifact(a: ModelArtifact): Buffer {
  return Buffer.from(JSON.stringify(a), "utf8");
}

/** A model's id: the SHA-256 (hex) of its bytes. */
export function modelId(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function parseArtifact(bytes: Uint8Array | string): ModelArtifact {
  let a: ModelArtifact;
  try {
    a = JSON.parse(typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8")) as ModelArtifact;
  } catch {
    throw new ModelFormatError(`not an ${MODEL_FORMAT} file (not JSON)`);
  }
  checkArtifact(a);
  return a;
}
