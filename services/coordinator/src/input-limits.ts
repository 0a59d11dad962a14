import { AppError, LIMITS } from "@automl/common";
import { normalizeSpace, type Dim } from "@automl/search";
import type { StudyFile } from "./study-file";

/** A study file's text within LIMITS.studyFileBytes; checked before it is parsed. */
export function checkStudyFileSize(text: string): void {
  // UTF-16 length bounds the UTF-8 size from below, so only long texts need the exact count.
  if (text.length > LIMITS.studyFileBytes || (text.length > LIMITS.studyFileBytes / 3 && Buffer.byteLength(text, "utf8") > LIMITS.studyFileBytes)) {
    throw new AppError("INVALID_ARGUMENT", `study_file: larger than ${LIMITS.studyFileBytes} bytes`);
  }
}

/**
 * Nesting visible in the text, checked before the YAML parser sees it: the parser recurses per
 * level, so a few kilobytes of `[[[[…` or `- - - …` cost seconds and can exhaust memory. Flow
 * brackets outside quotes, leading `- ` markers and indentation are counted; the bound is loose
 * (twice the structural limit), the exact check comes after parsing.
 */
export function checkStudyFileNestingText(text: string): void {
  const max = 2 * LIMITS.studyFileNesting;
  const fail = (line: number) => {
    throw new AppError("INVALID_ARGUMENT", `study file: nested deeper than ${LIMITS.studyFileNesting} levels (line ${line})`);
  };
  let depth = 0;
  let quote: string | undefined;
  let line = 1;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      lineStart = true;
      continue;
    }
    if (lineStart) {
      lineStart = false;
      // Indentation and compact sequences ("- - - x") nest without brackets.
      const m = /^[ \t]*(?:[-?][ \t]+)*/.exec(text.slice(i, i + 4 * max + 1))![0];
      if (m.length > 4 * max || (m.match(/[-?][ \t]/g)?.length ?? 0) > max) fail(line);
    }
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") {
      const eol = text.indexOf("\n", i);
      i = (eol < 0 ? text.length : eol) - 1;
    } else if (c === "[" || c === "{") {
      if (++depth > max) fail(line);
    } else if (c === "]" || c === "}") depth = Math.max(0, depth - 1);
  }
}

/**
 * Structural limits on a parsed study file, before schema validation: nesting, total values, the
 * number of space dimensions and of values in each `choice` list. Iterative, so a hostile nesting
 * cannot overflow the stack; the first violation is reported with its path.
 */
export function checkStudyFileShape(raw: unknown): void {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: raw, path: "", depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (++nodes > LIMITS.studyFileNodes) throw new AppError("INVALID_ARGUMENT", `study file: more than ${LIMITS.studyFileNodes} values`);
    if (v === null || typeof v !== "object") continue;
    if (depth >= LIMITS.studyFileNesting) throw new AppError("INVALID_ARGUMENT", `${path || "(root)"}: nested deeper than ${LIMITS.studyFileNesting} levels`);
    if (Array.isArray(v)) {
      if (/^space\.[^.[]+\.choice$/.test(path) && v.length > LIMITS.spaceChoices) {
        throw new AppError("INVALID_ARGUMENT", `${path}: ${v.length} choices; at most ${LIMITS.spaceChoices}`);
      }
      v.forEach((x, i) => stack.push({ v: x, path: `${path}[${i}]`, depth: depth + 1 }));
    } else {
      const entries = Object.entries(v);
      if (path === "space" && entries.length > LIMITS.spaceDimensions) {
        throw new AppError("INVALID_ARGUMENT", `space: ${entries.length} dimensions; at most ${LIMITS.spaceDimensions}`);
      }
      for (const [k, x] of entries) stack.push({ v: x, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
}

/** The largest value a dimension can take (numeric dims only). */
function dimMax(d: Dim): number {
  switch (d.kind) {
    case "fixed":
      return Number(d.value);
    case "choice":
      return Math.max(...d.choices.map(Number));
    default:
      return d.high;
  }
}
const dimHas = (d: Dim, v: string) => (d.kind === "fixed" ? d.value === v : d.kind === "choice" ? d.choices.includes(v) : false);

/** Trainable parameters of `depth` layers of `width` units at most (maxout × pieces, PReLU slopes). */
function paramsBound(shape: { inputDim: number; outputDim: number }, depth: number, width: number, pieces: number, prelu: boolean): number {
  let n = 0;
  let Din = shape.inputDim;
  for (let i = 0; i < depth; i++) {
    const cols = width * pieces;
    n += Din * cols + cols + (prelu ? width : 0);
    Din = width;
  }
  return n + Din * shape.outputDim + shape.outputDim;
}

const sci = (x: number) => x.toExponential(2);

/**
 * Compute bounded per study (LIMITS.trialWork, LIMITS.studyWork): epochs × parameters × rows of
 * the largest trial the space (or an enqueued entry) allows, and their sum over the budget. A CSV
 * file's rows and input width are known only to workers: here they count as `dataset.n` (or the
 * number of folds) and one input, a lower bound, so only what is certainly too much is refused;
 * workers check each trial's exact figure before training it.
 */
export function checkStudyCompute(file: StudyFile, rows: number, shape: { inputDim: number; outputDim: number }): void {
  const space = file.space ? normalizeSpace(file.space) : undefined;
  const cap = space?.constraints.maxParams ?? Number.POSITIVE_INFINITY;
  const fromSpace = space && {
    depth: dimMax(space.depth),
    width: dimMax(space.width.dim),
    pieces: dimHas(space.activation.dim, "maxout") ? dimMax(space.maxoutPieces) : 1,
    prelu: dimHas(space.activation.dim, "prelu"),
    epochs: dimMax(space.epochs),
  };
  const work = (t: { depth: number; width: number; pieces: number; prelu: boolean; epochs: number }) =>
    t.epochs * Math.min(cap, paramsBound(shape, t.depth, t.width, t.pieces, t.prelu)) * rows;
  const refuse = (path: string, w: number, limit: number, what: string) => {
    throw new AppError("INVALID_ARGUMENT", `${path}: ${what} would do ${sci(w)} units of work (epochs × parameters × rows); at most ${sci(limit)}`);
  };
  let total = 0;
  const enqueued = file.trials ?? [];
  enqueued.forEach((t, i) => {
    const p = t.params;
    const acts = p.activations ?? (p.activation ? [p.activation] : undefined);
    const w = work({
      depth: p.depth ?? p.widths?.length ?? fromSpace?.depth ?? 1,
      width: p.widths ? Math.max(...p.widths) : (fromSpace?.width ?? 1),
      pieces: acts ? (acts.includes("maxout") ? (p.maxoutPieces ?? dimMax(space?.maxoutPieces ?? { kind: "fixed", value: 2 })) : 1) : (fromSpace?.pieces ?? 1),
      prelu: acts ? acts.includes("prelu") : (fromSpace?.prelu ?? false),
      epochs: p.epochs ?? fromSpace?.epochs ?? 1,
    });
    if (w > LIMITS.trialWork) refuse(`trials[${i}].params`, w, LIMITS.trialWork, "this trial");
    total += w;
  });
  if (fromSpace) {
    const w = work(fromSpace);
    if (w > LIMITS.trialWork) refuse("space", w, LIMITS.trialWork, `its largest trial (${fromSpace.epochs} epochs, depth ${fromSpace.depth}, width ${fromSpace.width}, ${rows} rows)`);
    total += w * Math.max(0, file.budget.trials - enqueued.length);
  }
  if (total > LIMITS.studyWork) refuse("budget.trials", total, LIMITS.studyWork, `${file.budget.trials} trials`);
}
