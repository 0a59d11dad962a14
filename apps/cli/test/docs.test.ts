// The documentation against the repository: every relative link in README.md, docs/*.md and the
// package READMEs points at a file that exists (inside the repository) and, with a #fragment, at
// a heading of that file; every `npx automl …` the docs name is a command of the CLI's own help
// with flags that command lists.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { USAGE } from "../src/usage";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** README.md, docs/*.md and every README.md of a workspace folder, tracked or new (not ignored). */
function docFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", "README.md", "docs/*.md", "*/README.md"], { cwd: ROOT, encoding: "utf8" });
  return [...new Set(out.split("\n").filter((f) => f && existsSync(join(ROOT, f))))].sort();
}

/** The text outside fenced code blocks (links and headings in code are not links and headings). */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, "");

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats numbered. */
export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Problems with the relative links of one file (empty when every link resolves). */
export function brokenLinks(file: string, text: string, root: string): string[] {
  const problems: string[] = [];
  const outsideCode = prose(text).replace(/`[^`\n]*`/g, "");
  for (const [, target] of outsideCode.matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // http:, https:, mailto:
    const [path, fragment] = target!.split("#", 2) as [string, string | undefined];
    const abs = path ? resolve(dirname(join(root, file)), decodeURIComponent(path)) : join(root, file);
    const rel = relative(root, abs);
    if (rel.startsWith("..")) {
      problems.push(`${file}: ${target} leaves the repository`);
      continue;
    }
    if (!existsSync(abs)) {
      problems.push(`${file}: ${target} does not exist`);
      continue;
    }
    if (fragment && statSync(abs).isFile() && abs.endsWith(".md") && !anchorsOf(readFileSync(abs, "utf8")).has(fragment)) {
      problems.push(`${file}: ${target} names no heading of ${rel}`);
    }
  }
  return problems;
}

interface HelpEntry {
  flags: Set<string>;
  subcommands: Set<string>;
}

/** The help's command lines: `  <command> <args…> [--flag …]   description`. */
export function parseHelp(usage: string): Map<string, HelpEntry> {
  const commands = new Map<string, HelpEntry>();
  for (const line of usage.split("\n")) {
    const m = /^ {2}([a-z][a-z-]*)( .*)?$/.exec(line);
    if (!m) continue;
    const synopsis = (m[2] ?? "").split(/ {3,}/)[0]!; // the description follows three spaces
    const flags = new Set([...synopsis.matchAll(/--[a-z][a-z-]*/g)].map((f) => f[0]));
    // `study create <file> | list | show <id>`: the bare words are the subcommands.
    const subcommands = new Set(synopsis.split(/\s+/).filter((w) => /^[a-z][a-z-]*$/.test(w)));
    commands.set(m[1]!, { flags, subcommands });
  }
  return commands;
}

/** Each `npx automl …` in the prose and code of a file: its command, subcommand and flags. */
export function automlCommands(text: string): { line: string; command: string; next?: string; flags: string[] }[] {
  const found = [];
  for (const [, rest] of text.matchAll(/npx automl\b([^`\n#&;)]*)/g)) {
    const words = rest!.replace(/\\\|/g, "|").trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    found.push({ line: `npx automl ${rest!.trim()}`, command: words[0]!, next: words[1], flags: words.map((w) => /--[a-z][a-z-]*/.exec(w)?.[0]).filter((f): f is string => f !== undefined) });
  }
  return found;
}

/** Problems with the `npx automl …` commands of one file, checked against the help. */
export function unknownCommands(file: string, text: string, help: Map<string, HelpEntry>): string[] {
  const problems: string[] = [];
  for (const c of automlCommands(text)) {
    const entry = help.get(c.command);
    if (!entry) {
      problems.push(`${file}: \`${c.line}\`: no command ${c.command} in automl help`);
      continue;
    }
    for (const flag of c.flags) if (!entry.flags.has(flag)) problems.push(`${file}: \`${c.line}\`: automl help lists no ${flag} for ${c.command}`);
    if (entry.subcommands.size > 0 && c.next !== undefined && !c.next.startsWith("<") && !c.next.startsWith("-") && !entry.subcommands.has(c.next)) {
      problems.push(`${file}: \`${c.line}\`: automl help lists no ${c.command} ${c.next}`);
    }
  }
  return problems;
}

describe("documentation", () => {
  const files = docFiles();
  const help = parseHelp(USAGE);

  it("covers the README, docs/ and the package READMEs", () => {
    expect(files).toContain("README.md");
    expect(files).toContain("docs/cli.md");
    expect(files).toContain("packages/nn/README.md");
  });

  it("has no broken relative link or #anchor", () => {
    expect(files.flatMap((f) => brokenLinks(f, readFileSync(join(ROOT, f), "utf8"), ROOT))).toEqual([]);
  });

  it("names only commands and flags that automl help lists", () => {
    expect(help.size).toBeGreaterThanOrEqual(9);
    expect(files.flatMap((f) => unknownCommands(f, readFileSync(join(ROOT, f), "utf8"), help))).toEqual([]);
  });

  it("documents every command and flag of automl help in docs/cli.md", () => {
    const cli = readFileSync(join(ROOT, "docs/cli.md"), "utf8");
    const documented = automlCommands(cli);
    for (const [command, entry] of help) {
      if (command === "help") continue;
      expect(documented.some((c) => c.command === command), `docs/cli.md: npx automl ${command}`).toBe(true);
      for (const flag of entry.flags) expect(documented.some((c) => c.command === command && c.flags.includes(flag)), `docs/cli.md: automl ${command} ${flag}`).toBe(true);
    }
  });

  it("the checks catch what they are for", () => {
    const root = ROOT;
    expect(brokenLinks("docs/x.md", "[a](cli.md#commands) [b](nothing.md) [c](cli.md#no-such) [d](../../out.md) `[e](code.md)`", root)).toEqual([
      "docs/x.md: nothing.md does not exist",
      "docs/x.md: cli.md#no-such names no heading of docs/cli.md",
      "docs/x.md: ../../out.md leaves the repository",
    ]);
    expect(anchorsOf("# The `automl` command\n## A, b (c)\n## A, b (c)\n```\n# not a heading\n```")).toEqual(new Set(["the-automl-command", "a-b-c", "a-b-c-1"]));
    expect(unknownCommands("f.md", "`npx automl run x.yaml --jsn` `npx automl frobnicate` `npx automl study remove 1` `npx automl study show <id>`", help)).toEqual([
      "f.md: `npx automl run x.yaml --jsn`: automl help lists no --jsn for run",
      "f.md: `npx automl frobnicate`: no command frobnicate in automl help",
      "f.md: `npx automl study remove 1`: automl help lists no study remove",
    ]);
  });

  it("automl help prints that help", () => {
    const out = execFileSync(process.execPath, [join(ROOT, "apps/cli/bin/automl.mjs"), "help"], { cwd: ROOT, encoding: "utf8" });
    expect(out.trim()).toBe(USAGE.trim());
  });
});
