import { AppError, LIMITS } from "@automl/common";

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
