// Streams a CSV file through a model: records are parsed, encoded and predicted a batch at a
// time, so a file larger than memory works. The input needs a header with every feature column
// (any order; other columns, the target among them, are ignored). Output: one CSV row per input
// row with the prediction (and with `proba`, one probability column per class).
import type { Readable, Writable } from "node:stream";
import { once } from "node:events";
import { parse } from "csv-parse";
import type { ModelArtifact } from "./artifact";
import { PredictInputError, Predictor } from "./predict";

export interface PredictCsvOptions {
  /** Add a probability column per class (classification). */
  proba?: boolean;
  /** Rows per forward pass (default 1024). */
  batchSize?: number;
}

/** RFC 4180 quoting where a field needs it. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function outputHeader(a: ModelArtifact, proba: boolean): string[] {
  const head = [a.target];
  if (proba && a.classes) for (const c of a.classes) head.push(`p_${c}`);
  return head;
}

/** Predicts every row of `input` into `output`; resolves with the number of rows. */
export async function predictCsv(artifact: ModelArtifact, input: Readable, output: Writable, opts: PredictCsvOptions = {}): Promise<number> {
  const predictor = new Predictor(artifact);
  const proba = Boolean(opts.proba) && artifact.task !== "regression";
  const batchSize = opts.batchSize ?? 1024;
  const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true }));
  let columns: number[] | undefined;
  let headerLength = 0;
  const encoded = new Float32Array(batchSize * predictor.width);
  let inBatch = 0;
  let rows = 0;

  const write = async (text: string) => {
    if (!output.write(text)) await once(output, "drain");
  };
  const flush = async () => {
    if (inBatch === 0) return;
    const out = predictor.outputs(encoded, inBatch);
    let text = "";
    for (let r = 0; r < inBatch; r++) {
      const fields = [predictor.labelAt(out, r)];
      if (proba) for (const p of predictor.probabilitiesAt(out, r)) fields.push(String(p));
      text += `${fields.map(csvField).join(",")}\n`;
    }
    await write(text);
    encoded.fill(0);
    inBatch = 0;
  };

  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!columns) {
        const header = record.map((h) => h.trim());
        headerLength = header.length;
        columns = artifact.features.map((f) => {
          const at = header.indexOf(f.name);
          if (at < 0) throw new PredictInputError(f.name, "header", `is missing from the input; the model needs ${artifact.features.map((x) => x.name).join(", ")}`);
          return at;
        });
        await write(`${outputHeader(artifact, proba).map(csvField).join(",")}\n`);
        continue;
      }
      rows++;
      if (record.length !== headerLength) throw new PredictInputError(artifact.features[0]!.name, rows, `the row has ${record.length} fields but the header has ${headerLength}`);
      predictor.encodeRow(columns.map((c) => record[c]!), encoded, inBatch, rows);
      if (++inBatch === batchSize) await flush();
    }
  } catch (err) {
    parser.destroy();
    if (err instanceof PredictInputError) throw err;
    const e = err as Error & { code?: string; lines?: number };
    if (e.code?.startsWith("CSV_")) throw new PredictInputError("(file)", rows + 1, `not valid CSV: ${e.code} at file line ${e.lines ?? "?"}`);
    throw err;
  }
  if (!columns) throw new PredictInputError("(file)", "header", "the input is empty; a header row is required");
  await flush();
  return rows;
}
