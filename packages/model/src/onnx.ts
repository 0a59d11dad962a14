// ONNX export (opset 13) of a model artifact, preprocessing included: the graph takes the raw
// feature columns as one float tensor `features` [N, d] in the artifact's column order, with a
// categorical column given as the index of its level in the artifact's `levels` list (the one
// documented pre-step; the lists are in the file's metadata as well). Inside the graph numeric
// columns are standardized with the training statistics and categorical ones one-hot encoded,
// then every layer runs as MatMul + Add and its unit. Outputs: `probabilities` [N, K] (K = 1 for
// binary: P(class 1)) and `label` [N] (class index, int64) for classification, `predictions`
// [N, outputDim] for regression.
//
// Encoded with @bufbuild/protobuf's wire writer; the field numbers are onnx.proto's (ONNX 1.14).
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { planLayers, type Activation } from "@automl/nn";
import { decodeTensor, type ModelArtifact } from "./artifact";

export const ONNX_OPSET = 13;
const IR_VERSION = 8;
const FLOAT = 1;
const BOOL = 9;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

type Attr = { name: string; f: number } | { name: string; i: number } | { name: string; ints: number[] };
interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}
interface Initializer {
  name: string;
  dims: number[];
  float?: Float32Array;
  int64?: number[];
}

/** Collects nodes and constants with unique names. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: Initializer[] = [];
  private n = 0;

  constFloat(name: string, dims: number[], data: ArrayLike<number>): string {
    this.inits.push({ name, dims, float: Float32Array.from(data) });
    return name;
  }
  constInt64(name: string, values: number[]): string {
    this.inits.push({ name, dims: [values.length], int64: values });
    return name;
  }
  /** Adds a node with one output; returns its name (`out` or a fresh one). */
  op(op: string, inputs: string[], attrs?: Attr[], out?: string): string {
    const name = out ?? `${op.toLowerCase()}_${this.n++}`;
    this.nodes.push({ op, inputs, outputs: [name], attrs });
    return name;
  }
}

/** The encoded inputs: standardized numeric columns and one-hot categorical ones, in order. */
function encodeInputs(g: GraphBuilder, a: ModelArtifact): string {
  const d = a.features.length;
  const mean = a.features.map((f) => (f.kind === "numeric" ? f.mean : 0));
  const std = a.features.map((f) => (f.kind === "numeric" ? f.std : 1));
  const standardized = g.op("Div", [g.op("Sub", ["features", g.constFloat("feature_mean", [d], mean)]), g.constFloat("feature_std", [d], std)]);
  if (a.features.every((f) => f.kind === "numeric")) return standardized;
  const pieces: string[] = [];
  let run: number[] = [];
  const endRun = () => {
    if (run.length) pieces.push(g.op("Gather", [standardized, g.constInt64(`numeric_cols_${pieces.length}`, run)], [{ name: "axis", i: 1 }]));
    run = [];
  };
  a.features.forEach((f, j) => {
    if (f.kind === "numeric") return void run.push(j);
    endRun();
    const column = g.op("Gather", ["features", g.constInt64(`categorical_col_${j}`, [j])], [{ name: "axis", i: 1 }]);
    const codes = g.constFloat(`levels_${j}`, [f.levels.length], f.levels.map((_, i) => i));
    pieces.push(g.op("Cast", [g.op("Equal", [column, codes])], [{ name: "to", i: FLOAT }]));
  });
  endRun();
  return pieces.length === 1 ? pieces[0]! : g.op("Concat", pieces, [{ name: "axis", i: 1 }]);
}

function hiddenUnit(g: GraphBuilder, a: ModelArtifact, act: Activation, z: string, layer: number, units: number, pieces: number): string {
  switch (act) {
    case "relu":
      return g.op("Relu", [z]);
    case "leaky_relu":
      return g.op("LeakyRelu", [z], [{ name: "alpha", f: a.spec.leakyAlpha ?? 0.01 }]);
    case "abs":
      return g.op("Abs", [z]);
    case "sigmoid":
      return g.op("Sigmoid", [z]);
    case "tanh":
      return g.op("Tanh", [z]);
    case "prelu": {
      const t = a.params.find((p) => p.name === `alpha${layer}`)!;
      return g.op("PRelu", [z, g.constFloat(`alpha${layer}`, [units], decodeTensor(t))]);
    }
    case "maxout": {
      // Unit j's pieces are columns j·k … j·k + k − 1 (kernels/maxout.ts): [N, units, k], max over k.
      const grouped = g.op("Reshape", [z, g.constInt64(`maxout_shape_${layer}`, [0, units, pieces])]);
      return g.op("ReduceMax", [grouped], [{ name: "axes", ints: [2] }, { name: "keepdims", i: 0 }]);
    }
  }
}

interface GraphOutput {
  name: string;
  elem: number;
  dims: (number | string)[];
}

function buildGraph(a: ModelArtifact): { g: GraphBuilder; outputs: GraphOutput[] } {
  const g = new GraphBuilder();
  let h = encodeInputs(g, a);
  const layers = planLayers(a.spec);
  for (const layer of layers) {
    const W = a.params.find((p) => p.name === `W${layer.layer}`)!;
    const b = a.params.find((p) => p.name === `b${layer.layer}`)!;
    const z = g.op("Add", [g.op("MatMul", [h, g.constFloat(`W${layer.layer}`, [layer.Din, layer.width], decodeTensor(W))]), g.constFloat(`b${layer.layer}`, [layer.width], decodeTensor(b))]);
    h = layer.act === null ? z : hiddenUnit(g, a, layer.act, z, layer.layer, layer.units, layer.pieces);
  }
  const K = a.spec.outputDim;
  switch (a.spec.output) {
    case "linear":
      g.op("Identity", [h], undefined, "predictions");
      return { g, outputs: [{ name: "predictions", elem: FLOAT, dims: ["N", K] }] };
    case "sigmoid": {
      const p = g.op("Sigmoid", [h], undefined, "probabilities");
      const positive = g.op("GreaterOrEqual", [p, g.constFloat("half", [], [0.5])]);
      g.op("Reshape", [g.op("Cast", [positive], [{ name: "to", i: INT64 }]), g.constInt64("flat", [-1])], undefined, "label");
      break;
    }
    case "softmax_km1":
      // z_K = 0 appended, as the engine's K − 1 softmax does.
      h = g.op("Pad", [h, g.constInt64("pad_last_logit", [0, 0, 0, 1])]);
    // falls through
    case "softmax":
    default: {
      const p = g.op("Softmax", [h], [{ name: "axis", i: 1 }], "probabilities");
      g.op("ArgMax", [p], [{ name: "axis", i: 1 }, { name: "keepdims", i: 0 }], "label");
    }
  }
  return { g, outputs: [{ name: "probabilities", elem: FLOAT, dims: ["N", K] }, { name: "label", elem: INT64, dims: ["N"] }] };
}

// ---- protobuf encoding (onnx.proto field numbers) ----

function writeTensor(w: BinaryWriter, t: Initializer): void {
  for (const d of t.dims) w.tag(1, WireType.Varint).int64(d);
  w.tag(2, WireType.Varint).int32(t.float ? FLOAT : INT64);
  w.tag(8, WireType.LengthDelimited).string(t.name);
  let raw: Uint8Array;
  if (t.float) {
    const view = new DataView(new ArrayBuffer(t.float.length * 4));
    t.float.forEach((v, i) => view.setFloat32(4 * i, v, true));
    raw = new Uint8Array(view.buffer);
  } else {
    const view = new DataView(new ArrayBuffer(t.int64!.length * 8));
    t.int64!.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
    raw = new Uint8Array(view.buffer);
  }
  w.tag(9, WireType.LengthDelimited).bytes(raw);
}

function writeAttr(w: BinaryWriter, a: Attr): void {
  w.tag(1, WireType.LengthDelimited).string(a.name);
  if ("f" in a) {
    w.tag(2, WireType.Bit32).float(a.f);
    w.tag(20, WireType.Varint).int32(ATTR_FLOAT);
  } else if ("i" in a) {
    w.tag(3, WireType.Varint).int64(a.i);
    w.tag(20, WireType.Varint).int32(ATTR_INT);
  } else {
    for (const v of a.ints) w.tag(8, WireType.Varint).int64(v);
    w.tag(20, WireType.Varint).int32(ATTR_INTS);
  }
}

function writeNode(w: BinaryWriter, n: OnnxNode, index: number): void {
  for (const i of n.inputs) w.tag(1, WireType.LengthDelimited).string(i);
  for (const o of n.outputs) w.tag(2, WireType.LengthDelimited).string(o);
  w.tag(3, WireType.LengthDelimited).string(`${n.op}_${index}`);
  w.tag(4, WireType.LengthDelimited).string(n.op);
  for (const a of n.attrs ?? []) {
    w.tag(5, WireType.LengthDelimited).fork();
    writeAttr(w, a);
    w.join();
  }
}

function writeValueInfo(w: BinaryWriter, v: GraphOutput): void {
  w.tag(1, WireType.LengthDelimited).string(v.name);
  w.tag(2, WireType.LengthDelimited).fork(); // TypeProto
  w.tag(1, WireType.LengthDelimited).fork(); // TypeProto.Tensor
  w.tag(1, WireType.Varint).int32(v.elem);
  w.tag(2, WireType.LengthDelimited).fork(); // TensorShapeProto
  for (const d of v.dims) {
    w.tag(1, WireType.LengthDelimited).fork();
    if (typeof d === "number") w.tag(1, WireType.Varint).int64(d);
    else w.tag(2, WireType.LengthDelimited).string(d);
    w.join();
  }
  w.join().join().join();
}

/** The artifact as an ONNX model file (bytes). */
export function exportOnnx(a: ModelArtifact): Uint8Array {
  const { g, outputs } = buildGraph(a);
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int64(IR_VERSION);
  w.tag(2, WireType.LengthDelimited).string("automl");
  w.tag(3, WireType.LengthDelimited).string(a.engine);
  w.tag(6, WireType.LengthDelimited).string(
    "Input `features`: float [N, d], the raw columns in the order of metadata automl.features; a categorical column as the index of its value in that feature's `levels`.",
  );
  w.tag(7, WireType.LengthDelimited).fork(); // GraphProto
  g.nodes.forEach((n, i) => {
    w.tag(1, WireType.LengthDelimited).fork();
    writeNode(w, n, i);
    w.join();
  });
  w.tag(2, WireType.LengthDelimited).string("automl_mlp");
  for (const t of g.inits) {
    w.tag(5, WireType.LengthDelimited).fork();
    writeTensor(w, t);
    w.join();
  }
  w.tag(11, WireType.LengthDelimited).fork();
  writeValueInfo(w, { name: "features", elem: FLOAT, dims: ["N", a.features.length] });
  w.join();
  for (const o of outputs) {
    w.tag(12, WireType.LengthDelimited).fork();
    writeValueInfo(w, o);
    w.join();
  }
  w.join();
  w.tag(8, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string("").tag(2, WireType.Varint).int64(ONNX_OPSET).join();
  const meta: [string, string][] = [
    ["automl.task", a.task],
    ["automl.target", a.target],
    ["automl.features", JSON.stringify(a.features.map((f) => (f.kind === "numeric" ? { name: f.name, kind: f.kind } : { name: f.name, kind: f.kind, levels: f.levels })))],
    ["automl.classes", JSON.stringify(a.classes)],
    ["automl.source", JSON.stringify(a.source)],
  ];
  for (const [k, v] of meta) w.tag(14, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(k).tag(2, WireType.LengthDelimited).string(v).join();
  return w.finish();
}

/**
 * The ONNX input for raw rows: numeric cells as numbers, categorical cells replaced by their
 * level index (the documented pre-step). Throws on an unknown level.
 */
export function onnxFeatures(a: ModelArtifact, rows: readonly (readonly (string | number)[])[]): Float32Array {
  const d = a.features.length;
  const out = new Float32Array(rows.length * d);
  rows.forEach((row, r) =>
    a.features.forEach((f, j) => {
      const v = row[j]!;
      if (f.kind === "numeric") out[r * d + j] = Number(v);
      else {
        const i = f.levels.indexOf(String(v));
        if (i < 0) throw new Error(`feature ${f.name}: unknown level ${String(v)}`);
        out[r * d + j] = i;
      }
    }),
  );
  return out;
}
