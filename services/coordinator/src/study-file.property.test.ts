import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { stringify as toYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { AppError, LIMITS } from "@automl/common";
import { parseStudyFile } from "./study-file";

const EXAMPLES = join(import.meta.dirname, "..", "..", "..", "examples");
// Every shipped example that needs no file next to it: the starting points of the mutations.
const BASES: Record<string, unknown>[] = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => readFileSync(join(EXAMPLES, f), "utf8"))
  .filter((t) => !/\bpath:/.test(t))
  .map((t) => JSON.parse(JSON.stringify(parseStudyFile(t))) as Record<string, unknown>);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value in the object, e.g. ["space", "width", "int", 1]. */
function paths(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const here = [prefix];
  if (Array.isArray(v)) return here.concat(v.flatMap((x, i) => paths(x, [...prefix, i])));
  if (v !== null && typeof v === "object") return here.concat(Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k])));
  return here;
}

type Mutation =
  | { kind: "set"; at: number; value: Json }
  | { kind: "delete"; at: number }
  | { kind: "addKey"; at: number; key: string; value: Json }
  | { kind: "nest"; at: number; levels: number };

// Values that break validators in different ways: wrong types, huge and non-finite-looking numbers, odd strings.
const hostile: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(1e308, -1e308, 2 ** 53 + 1, -0, 0.5, -1, 0, 1e-320, "", " ", "\u0000", "NaN", "Infinity", [], {}, null, true, "a".repeat(5000)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: "binary", maxLength: 40 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: hostile }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("addKey" as const), at: fc.nat(), key: fc.string({ minLength: 1, maxLength: 12 }), value: hostile }),
  fc.record({ kind: fc.constant("nest" as const), at: fc.nat(), levels: fc.integer({ min: 1, max: 60 }) }),
);

function mutate(base: Json, ms: Mutation[]): Json {
  let doc = structuredClone(base);
  for (const m of ms) {
    const all = paths(doc);
    const path = all[m.at % all.length]!;
    if (path.length === 0) {
      if (m.kind === "set") doc = m.value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<Json>((o, k) => (o as Record<string | number, Json>)[k]!, doc) as Record<string | number, Json>;
    const key = path[path.length - 1]!;
    if (m.kind === "set") parent[key] = m.value;
    else if (m.kind === "delete") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (m.kind === "addKey") {
      const target = parent[key];
      if (target !== null && typeof target === "object" && !Array.isArray(target)) target[m.key] = m.value;
      else parent[key] = { [m.key]: m.value };
    } else {
      let v = parent[key]!;
      for (let i = 0; i < m.levels; i++) v = i % 2 ? [v] : { x: v };
      parent[key] = v;
    }
  }
  return doc;
}

/** The contract: a study, or an INVALID_ARGUMENT whose message says where; nothing else. */
function checkVerdict(text: string): void {
  let thrown: unknown;
  try {
    parseStudyFile(text);
    return;
  } catch (err) {
    thrown = err;
  }
  if (!(thrown instanceof AppError)) throw new Error(`not an AppError: ${String(thrown)}\n${text.slice(0, 500)}`);
  expect(thrown.code).toBe("INVALID_ARGUMENT");
  // A path ("space.width.int[1]: …", "(root): …") or the file as a whole.
  expect(thrown.message).toMatch(/^(invalid study file: .+?: \S|study file|study_file|.+?: \S)/s);
}

describe("parseStudyFile on mutated study files (fast-check)", () => {
  it("the examples parse (the bases of the mutations)", () => {
    expect(BASES.length).toBeGreaterThanOrEqual(3);
  });

  it("accepts or rejects with INVALID_ARGUMENT naming a path, as JSON and as YAML", () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (b, ms, asYaml) => {
        const doc = mutate(BASES[b % BASES.length] as Json, ms);
        checkVerdict(asYaml ? toYaml(doc) : JSON.stringify(doc));
      }),
      { numRuns: 400 },
    );
  });

  it("a rejected mutation of one scalar field names that field", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom<Json>("not a number", -12345.5, [], { bogus: 1 }), (b, at, value) => {
        const base = BASES[b % BASES.length] as Json;
        // Leaves under space / cv / budget: each has a declared type that these values break.
        const leaves = paths(base).filter((p) => p.length >= 2 && ["space", "cv", "budget"].includes(p[0] as string) && typeof p.reduce<Json>((o, k) => (o as Record<string | number, Json>)[k]!, base) === "number");
        fc.pre(leaves.length > 0);
        const path = leaves[at % leaves.length]!;
        const doc = structuredClone(base);
        const parent = path.slice(0, -1).reduce<Json>((o, k) => (o as Record<string | number, Json>)[k]!, doc) as Record<string | number, Json>;
        parent[path[path.length - 1]!] = value;
        let message = "";
        try {
          parseStudyFile(JSON.stringify(doc));
        } catch (err) {
          message = (err as AppError).message;
        }
        expect(message, JSON.stringify(path)).toContain(`${path[0]}.`);
      }),
      { numRuns: 200 },
    );
  });

  it("arbitrary text is rejected cleanly", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.string({ unit: fc.constantFrom("{", "}", "[", "]", ":", "-", " ", "\n", "a", "1", "&a", "*a", "!!", "'", '"', "#"), maxLength: 300 })), (text) => {
        checkVerdict(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe("study file limits", () => {
  const base = BASES[0]!;
  const reject = (text: string) => {
    try {
      parseStudyFile(text);
    } catch (err) {
      expect((err as AppError).code).toBe("INVALID_ARGUMENT");
      return (err as AppError).message;
    }
    throw new Error("accepted");
  };

  it("refuses a file over the size limit before parsing it", () => {
    const big = `${JSON.stringify(base)}\n#${"x".repeat(LIMITS.studyFileBytes)}`;
    expect(reject(big)).toBe(`study_file: larger than ${LIMITS.studyFileBytes} bytes`);
    // Multi-byte characters count in bytes.
    expect(reject(`${JSON.stringify(base)}\n#${"é".repeat(LIMITS.studyFileBytes / 2)}`)).toContain("larger than");
  });

  it("refuses hostile nesting with its path, without overflowing the stack", () => {
    // Parsed structures: the path of the first level too deep.
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = i % 2 ? [deep] : { x: deep };
    expect(reject(toYaml({ ...base, space: { ...(base.space as object), depth: deep } }))).toMatch(/^space\.depth(\.x|\[0\])+: nested deeper than 32 levels$/);
    // Texts the YAML parser would recurse into for seconds: refused before parsing.
    for (const text of [`name: ${"[".repeat(100_000)}${"]".repeat(100_000)}`, `name: ${"{a: ".repeat(50_000)}`, `name:\n${"- ".repeat(50_000)}x`, `a:\n${Array.from({ length: 300 }, (_, i) => `${" ".repeat(i + 1)}b:`).join("\n")}`]) {
      expect(reject(text)).toMatch(/^study file: nested deeper than 32 levels \(line \d+\)$/);
    }
    // Brackets inside quotes and comments are text, not nesting.
    expect(() => parseStudyFile(toYaml({ ...base, name: "[".repeat(150) }) + `# ${"{".repeat(150)}`)).not.toThrow();
  });

  it("refuses a choice list or a space over its limit, naming it", () => {
    const choices = Array.from({ length: LIMITS.spaceChoices + 1 }, (_, i) => 2 ** (i % 10));
    expect(reject(JSON.stringify({ ...base, space: { ...(base.space as object), batchSize: { choice: choices } } }))).toBe(
      `space.batchSize.choice: ${LIMITS.spaceChoices + 1} choices; at most ${LIMITS.spaceChoices}`,
    );
    const dims = Object.fromEntries(Array.from({ length: LIMITS.spaceDimensions + 1 }, (_, i) => [`d${i}`, 1]));
    expect(reject(JSON.stringify({ ...base, space: dims }))).toBe(`space: ${LIMITS.spaceDimensions + 1} dimensions; at most ${LIMITS.spaceDimensions}`);
  });

  it("YAML alias bombs are refused", () => {
    const bomb = ["a: &a [x,x,x,x,x,x,x,x,x]", ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(",")}]`)].join("\n");
    expect(reject(bomb)).toMatch(/study file/);
  });
});
