// Static reading of the Dockerfiles (they cannot be built on these machines: no Docker engine).
import { readFileSync } from "node:fs";
import { DockerfileParser, type Instruction, type JSONInstruction, type ModifiableInstruction } from "dockerfile-ast";

export interface Stage {
  name?: string;
  /** The image after FROM, variables unexpanded (`${NODE_IMAGE}`, `nvidia/cuda:${CUDA_VERSION}-runtime-…`). */
  base: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  text: string;
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

export function parseDockerfile(path: string): ParsedDockerfile {
  const text = readFileSync(path, "utf8");
  const df = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const ins of df.getInstructions()) {
    const kw = ins.getKeyword();
    if (kw === "FROM") {
      const args = ins.getArguments().map((a) => a.getValue());
      const as = args.findIndex((a) => a.toLowerCase() === "as");
      stages.push({ base: args.find((a) => !a.startsWith("--")) ?? "", name: as >= 0 ? args[as + 1] : undefined, instructions: [] });
    } else if (!stages.length && kw === "ARG") {
      const [name = "", value] = (ins.getArgumentsContent() ?? "").split(/=(.*)/s);
      globalArgs.set(name, value?.replace(/^"(.*)"$/, "$1"));
    } else stages.at(-1)?.instructions.push(ins);
  }
  return { text, globalArgs, stages };
}

/** `${NAME}` in a FROM line, with the global ARG defaults. */
export function expandArgs(value: string, args: Map<string, string | undefined>): string {
  return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) => args.get(name) ?? m);
}

export function keyword(stage: Stage, kw: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === kw);
}

/** The strings of an exec-form (JSON) CMD/ENTRYPOINT; undefined for the shell form. */
export function jsonForm(ins: Instruction | undefined): string[] | undefined {
  const strings = (ins as JSONInstruction | undefined)?.getJSONStrings?.();
  return strings && strings.length ? strings.map((s) => s.getJSONValue()) : undefined;
}

export function flags(ins: Instruction): Map<string, string | null> {
  return new Map(((ins as ModifiableInstruction).getFlags?.() ?? []).map((f) => [f.getName(), f.getValue()]));
}

/** ENV name → value over a stage. */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const ins of keyword(stage, "ENV")) {
    for (const p of (ins as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties()) env.set(p.getName(), p.getValue() ?? "");
  }
  return env;
}

/**
 * Whether a .dockerignore excludes a path: patterns in order, `!` re-includes, the last match
 * wins, and a pattern matching a parent directory matches everything below it (Docker's rules
 * for the patterns these files use: `**`, `*`, literal paths).
 */
export function dockerignored(patterns: string[], path: string): boolean {
  const rules = patterns
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
      const re = glob
        .split("/")
        .map((seg) => (seg === "**" ? "(?:.*)" : seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")))
        .join("/")
        .replace(/\(\?:\.\*\)\//g, "(?:.*/)?");
      return { negate, re: new RegExp(`^${re}$`) };
    });
  const parts = path.split("/");
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let excluded = false;
  for (const r of rules) if (prefixes.some((p) => r.re.test(p))) excluded = !r.negate;
  return excluded;
}
