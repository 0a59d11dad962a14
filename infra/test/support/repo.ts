// Facts about the application, read from its source text rather than restated here, so the
// manifests are checked against what the code really parses, serves and creates.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const infraDir = join(repoRoot, "infra");
export const dockerDir = join(infraDir, "docker");
export const k8sDir = join(infraDir, "k8s");

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), "utf8");
}

/** The text between the brace at `open` and its match (quotes skipped, comments not special). */
export function braceBlock(text: string, open: number): string {
  if (text[open] !== "{") throw new Error(`no "{" at offset ${open}`);
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced braces from offset ${open}`);
}

function blockAfter(text: string, marker: RegExp, file: string): string {
  const m = marker.exec(text);
  if (!m) throw new Error(`${file}: ${marker} not found; the infra tests read this file's source`);
  return braceBlock(text, m.index + m[0].length - 1);
}

export interface EnvVarSpec {
  name: string;
  /** The literal of `.default(...)`, as the string an environment would carry. */
  default?: string;
  optional: boolean;
  file: string;
}

function envKeys(block: string, file: string): EnvVarSpec[] {
  const specs: EnvVarSpec[] = [];
  for (const m of block.matchAll(/^\s*(AUTOML_[A-Z0-9_]+)\s*:(.*)$/gm)) {
    const [, name = "", rest = ""] = m;
    const d = /\.default\(\s*(?:"([^"]*)"|'([^']*)'|([0-9_.]+))\s*\)/.exec(rest);
    const literal = d ? (d[1] ?? d[2] ?? d[3]?.replaceAll("_", "")) : undefined;
    specs.push({ name, default: literal, optional: /\.optional\(\)/.test(rest), file });
  }
  return specs;
}

/**
 * The variables `automl` parses: the keys of the zod schema in apps/cli/src/env.ts, including
 * the shared shape from packages/common/src/env.ts that it spreads in.
 */
export function cliEnvSchema(): Map<string, EnvVarSpec> {
  const cliFile = "apps/cli/src/env.ts";
  const commonFile = "packages/common/src/env.ts";
  const cli = readRepoFile(cliFile);
  const schema = blockAfter(cli, /const schema = z\.object\(\{/, cliFile);
  const specs = envKeys(schema, cliFile);
  if (/\.\.\.commonEnvShape/.test(schema)) {
    const common = readRepoFile(commonFile);
    specs.push(...envKeys(blockAfter(common, /export const commonEnvShape = \{/, commonFile), commonFile));
  }
  if (specs.length < 10 || !specs.some((s) => s.name === "AUTOML_DATABASE_URL")) {
    throw new Error(`parsed only ${specs.map((s) => s.name).join(", ")} from ${cliFile}: has the schema's layout changed?`);
  }
  return new Map(specs.map((s) => [s.name, s]));
}

/** The top-level subcommands of `automl`: the cases of main()'s `switch (command)`. */
export function cliSubcommands(): Set<string> {
  const file = "apps/cli/src/main.ts";
  const block = blockAfter(readRepoFile(file), /switch \(command\) \{/, file);
  const names = [...block.matchAll(/^\s*case "([a-z][a-z-]*)":/gm)].map((m) => m[1] ?? "");
  if (!names.includes("worker")) throw new Error(`${file}: no \`case "worker"\` in switch (command)`);
  return new Set(names);
}

/** What packages/messaging creates in JetStream: the default stream and the consumer naming. */
export function jetStreamNames(): { stream: string; consumer: (pool: string) => string } {
  const file = "packages/messaging/src/jetstream-queue.ts";
  const text = readRepoFile(file);
  const stream = /\bstream: "([A-Za-z0-9_-]+)"/.exec(text)?.[1];
  const consumer = /consumerName\(pool: string\): string \{\s*return `([^`$]*)\$\{pool\}([^`]*)`/.exec(text);
  if (!stream || !consumer) throw new Error(`${file}: default stream or consumerName() not found`);
  const [, prefix = "", suffix = ""] = consumer;
  return { stream, consumer: (pool) => `${prefix}${pool}${suffix}` };
}

/** Paths the health server answers (packages/common/src/health.ts). */
export function healthPaths(): Set<string> {
  const file = "packages/common/src/health.ts";
  const paths = [...readRepoFile(file).matchAll(/path === "(\/[a-z]+)"/g)].map((m) => m[1] ?? "");
  if (!paths.includes("/healthz") || !paths.includes("/readyz")) throw new Error(`${file}: /healthz or /readyz not found`);
  return new Set(paths);
}

/** infra/docker/<image>.Dockerfile for each image name. */
export function dockerfiles(): Map<string, string> {
  return new Map(
    readdirSync(dockerDir)
      .filter((f) => f.endsWith(".Dockerfile"))
      .map((f) => [f.slice(0, -".Dockerfile".length), join(dockerDir, f)]),
  );
}

/** `automl/<image>` (any registry prefix or tag) → `<image>`, when infra/docker builds it. */
export function automlImage(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const m = /(?:^|\/)automl[/-]([a-z0-9-]+)(?::[\w.-]+)?(?:@sha256:[0-9a-f]+)?$/.exec(image);
  return m?.[1] && dockerfiles().has(m[1]) ? m[1] : undefined;
}

/** Kustomization roots: base and every overlay. */
export function kustomizations(): { name: string; dir: string }[] {
  const overlays = join(k8sDir, "overlays");
  const dirs = [{ name: "base", dir: join(k8sDir, "base") }];
  for (const o of readdirSync(overlays).sort()) {
    if (existsSync(join(overlays, o, "kustomization.yaml"))) dirs.push({ name: `overlays/${o}`, dir: join(overlays, o) });
  }
  return dirs;
}

/** "host:port" → its parts; for URLs, the URL's host and port (with the scheme's default). */
export function hostPort(value: string): { host: string; port: number } | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const u = new URL(value);
    const defaults: Record<string, number> = { "postgresql:": 5432, "postgres:": 5432, "nats:": 4222, "http:": 80 };
    const port = u.port ? Number(u.port) : defaults[u.protocol];
    return port === undefined ? undefined : { host: u.hostname, port };
  }
  const m = /^(.*):(\d+)$/.exec(value);
  return m ? { host: m[1] ?? "", port: Number(m[2]) } : undefined;
}

export const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
