// Prediction with a model artifact: raw cells in (strings, as read from a file), the model's own
// preprocessing, output-unit values and labels out. Encoding mirrors @automl/nn's preprocess.ts
// (standardize numeric columns with the training statistics, one indicator per category level).
import type { MlpModel } from "@automl/nn";
import { modelOf, type ModelArtifact } from "./artifact";

// The same notation the CSV loader accepts for a measurement (see @automl/datasets csv.ts).
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A cell the model cannot take; `column` and `row` (1-based data row) locate it. */
export class PredictInputError extends Error {
  constructor(
    readonly column: string,
    readonly row: number | "header",
    message: string,
  ) {
    super(row === "header" ? `column ${JSON.stringify(column)}: ${message}` : `data row ${row}, column ${JSON.stringify(column)}: ${message}`);
    this.name = "PredictInputError";
  }
}

export class Predictor {
  readonly model: MlpModel;
  /** Per feature: level → indicator position, for categorical features. */
  private readonly lookups: (Map<string, number> | null)[];
  private readonly offsets: number[];
  readonly width: number;

  constructor(readonly artifact: ModelArtifact) {
    this.model = modelOf(artifact);
    this.lookups = artifact.features.map((f) => (f.kind === "categorical" ? new Map(f.levels.map((l, i) => [l, i])) : null));
    this.offsets = [];
    let w = 0;
    for (const f of artifact.features) {
      this.offsets.push(w);
      w += f.kind === "numeric" ? 1 : f.levels.length;
    }
    this.width = w;
  }

  /** Output width: 1 for binary (P(class 1)) and regression, K for multiclass. */
  get outputDim(): number {
    return this.artifact.spec.outputDim;
  }

  /**
   * Writes the encoding of one raw row (cells in the artifact's feature order) into row `r` of
   * `out` (zeroed beforehand). `row` only names the row in errors.
   */
  encodeRow(cells: readonly string[], out: Float32Array, r: number, row: number): void {
    const base = r * this.width;
    this.artifact.features.forEach((f, j) => {
      const cell = (cells[j] ?? "").trim();
      if (cell === "") throw new PredictInputError(f.name, row, "is empty (missing values are not supported)");
      const at = base + this.offsets[j]!;
      if (f.kind === "numeric") {
        if (!DECIMAL.test(cell)) throw new PredictInputError(f.name, row, `${JSON.stringify(cell.slice(0, 40))} is not a number`);
        // Rounded to float32 first, as the data set the model was trained on stored it.
        out[at] = (Math.fround(Number(cell)) - f.mean) / f.std;
      } else {
        const slot = this.lookups[j]!.get(cell);
        if (slot === undefined) {
          throw new PredictInputError(f.name, row, `category ${JSON.stringify(cell.slice(0, 40))} was not seen in training (known: ${f.levels.slice(0, 10).join(", ")}${f.levels.length > 10 ? ", …" : ""})`);
        }
        out[at + slot] = 1;
      }
    });
  }

  /** Output-unit values of B encoded rows: B×outputDim (σ for binary, probabilities, or values). */
  outputs(encoded: Float32Array, B: number): Float32Array {
    return this.model.forward(encoded.subarray(0, B * this.width), B);
  }

  /** The predicted label (classification) or value (regression) of row r of `outputs`. */
  labelAt(outputs: Float32Array, r: number): string {
    const { task, classes } = this.artifact;
    if (task === "regression") return String(outputs[r * this.outputDim]!);
    if (task === "binary") return classes![outputs[r]! >= 0.5 ? 1 : 0]!;
    const K = this.outputDim;
    let best = 0;
    for (let k = 1; k < K; k++) if (outputs[r * K + k]! > outputs[r * K + best]!) best = k;
    return classes![best]!;
  }

  /** Class probabilities of row r, in class order (classification only). */
  probabilitiesAt(outputs: Float32Array, r: number): number[] {
    if (this.artifact.task === "binary") return [1 - outputs[r]!, outputs[r]!];
    const K = this.outputDim;
    return Array.from(outputs.subarray(r * K, (r + 1) * K));
  }
}
