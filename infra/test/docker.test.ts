// The Dockerfiles, checked statically: no Docker engine runs on these machines, so nothing here
// builds them (docs/deployment.md says so). What can be checked: they parse and lint clean,
// are multi-stage, run as a non-root uid, have health checks against what the code serves, run
// subcommands that exist with env names the CLI parses, and their ignore files keep what the
// build needs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { validate } from "dockerfile-utils";
import { describe, expect, it } from "vitest";
import { dockerignored, envOf, expandArgs, flags, jsonForm, keyword, parseDockerfile } from "./support/docker";
import { cliEnvSchema, cliSubcommands, dockerDir, dockerfiles, hostPort, LOOPBACK, readRepoFile, repoRoot } from "./support/repo";

/** Workspace directories and package names, from the root package.json's globs. */
function workspaces(): { dir: string; name: string; scripts: Record<string, string> }[] {
  const globs = (JSON.parse(readRepoFile("package.json")) as { workspaces: string[] }).workspaces;
  const dirs = globs.flatMap((g) =>
    g.endsWith("/*")
      ? readdirSync(join(repoRoot, g.slice(0, -2)), { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => `${g.slice(0, -2)}/${d.name}`)
      : [g],
  );
  return dirs
    .filter((d) => existsSync(join(repoRoot, d, "package.json")))
    .map((dir) => {
      const pkg = JSON.parse(readRepoFile(`${dir}/package.json`)) as { name: string; scripts?: Record<string, string> };
      return { dir, name: pkg.name, scripts: pkg.scripts ?? {} };
    });
}

const images = [...dockerfiles().entries()].map(([image, path]) => ({ image, path }));
const expectedCommand: Record<string, string> = { coordinator: "coordinator", "worker-cpu": "worker", "worker-gpu": "worker", dashboard: "dashboard" };

it("has the four images of the deployment", () => {
  expect(images.map((i) => i.image).sort()).toEqual(["coordinator", "dashboard", "worker-cpu", "worker-gpu"]);
});

describe.each(images)("$image.Dockerfile", ({ image, path }) => {
  const df = parseDockerfile(path);
  const runtime = df.stages.at(-1);
  if (!runtime) throw new Error(`${path}: no FROM`);
  const schema = cliEnvSchema();

  it("lints clean (dockerfile-utils, the validator of VS Code's Docker support)", () => {
    expect(validate(df.text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it("is multi-stage: builds in one stage, runs from a final `runtime` stage fed only by earlier stages", () => {
    expect(df.stages.length).toBeGreaterThanOrEqual(3);
    expect(runtime.name).toBe("runtime");
    const names = df.stages.map((s) => s.name);
    df.stages.forEach((stage, i) => {
      for (const copy of keyword(stage, "COPY")) {
        const from = flags(copy).get("from");
        if (from != null) expect(names.slice(0, i), `${stage.name}: COPY --from=${from}`).toContain(from);
      }
    });
    // Dependencies come from the lockfile, never a fresh resolution.
    expect(df.text).toMatch(/npm ci /);
    expect(df.text).not.toMatch(/npm install /);
  });

  it("runs as the non-root uid 10001 (numeric, so runAsNonRoot can verify it)", () => {
    const users = keyword(runtime, "USER").map((u) => u.getArgumentsContent());
    expect(users.at(-1)).toBe("10001:10001");
  });

  it("runs `node apps/cli/bin/automl.mjs <subcommand>` with a subcommand that exists", () => {
    expect(jsonForm(keyword(runtime, "ENTRYPOINT").at(-1))).toEqual(["node", "apps/cli/bin/automl.mjs"]);
    expect(existsSync(join(repoRoot, "apps/cli/bin/automl.mjs"))).toBe(true);
    const cmd = jsonForm(keyword(runtime, "CMD").at(-1));
    expect(cmd).toEqual([expectedCommand[image]]);
    expect(cliSubcommands()).toContain(cmd?.[0]);
  });

  it("sets only AUTOML_* variables the CLI parses, listening beyond loopback on exposed ports", () => {
    const env = envOf(runtime);
    const names = [...env.keys()].filter((k) => k.startsWith("AUTOML_"));
    expect(names.filter((n) => !schema.has(n))).toEqual([]);
    const exposed = keyword(runtime, "EXPOSE").flatMap((e) => e.getArguments().map((a) => Number(a.getValue())));
    const listens = ["AUTOML_GRPC_LISTEN", "AUTOML_HEALTH_LISTEN"].filter((n) => env.has(n));
    for (const n of listens) {
      const hp = hostPort(env.get(n) ?? "");
      expect(hp && !LOOPBACK.has(hp.host), `${n}=${env.get(n)}`).toBe(true);
      expect(exposed).toContain(hp?.port);
    }
    if (image === "coordinator") expect(listens).toEqual(["AUTOML_GRPC_LISTEN", "AUTOML_HEALTH_LISTEN"]);
    if (image.startsWith("worker-")) {
      expect(listens).toEqual(["AUTOML_HEALTH_LISTEN"]);
      expect(env.get("AUTOML_POOL")).toBe(image.slice("worker-".length));
    }
    if (image === "dashboard") {
      expect(LOOPBACK.has(env.get("AUTOML_DASHBOARD_HOST") ?? "127.0.0.1")).toBe(false);
      expect(exposed).toEqual([Number(env.get("AUTOML_DASHBOARD_PORT"))]);
    }
  });

  it("has a HEALTHCHECK against what the process serves", () => {
    const hc = keyword(runtime, "HEALTHCHECK");
    expect(hc).toHaveLength(1);
    const text = hc[0]?.getArgumentsContent() ?? "";
    expect(text).toMatch(/\bCMD node -e "/);
    for (const f of ["interval", "timeout", "retries"]) expect(flags(hc[0]!).get(f)).toBeTruthy();
    if (image === "dashboard") expect(text).toMatch(/process\.env\.AUTOML_DASHBOARD_PORT.*'\/'\)/);
    else expect(text).toMatch(/process\.env\.AUTOML_HEALTH_LISTEN.*\/healthz/);
    for (const n of text.match(/AUTOML_[A-Z_]+/g) ?? []) expect(schema.has(n), n).toBe(true);
  });

  it("ships the code that `npm run generate` writes, from every workspace that generates", () => {
    const copied = keyword(runtime, "COPY")
      .filter((c) => flags(c).get("from") === "build")
      .map((c) => c.getArguments()[0]?.getValue() ?? "");
    for (const ws of workspaces().filter((w) => w.scripts.generate)) {
      expect(copied.some((src) => src.startsWith(`/app/${ws.dir}/src/gen`)), `${ws.name} (${ws.dir}) generates code`).toBe(true);
    }
  });

  it("names only workspaces that exist in npm --workspace flags (nn-native only behind its guard)", () => {
    const known = new Set(workspaces().map((w) => w.name));
    for (const m of df.text.matchAll(/(?:--workspace=|-w )(@[\w-]+\/[\w-]+)/g)) {
      const name = m[1] ?? "";
      if (name === "@automl/nn-native") expect(df.text).toContain("[ -f packages/nn-native/package.json ]");
      else expect(known, name).toContain(name);
    }
  });

  it("has an ignore file beside it that keeps what the build needs and drops the rest", () => {
    const ignoreFile = `${path}.dockerignore`;
    expect(existsSync(ignoreFile)).toBe(true);
    const patterns = readFileSync(ignoreFile, "utf8").split("\n");
    const needed = [
      "package.json",
      "package-lock.json",
      "tsconfig.base.json",
      "apps/cli/bin/automl.mjs",
      "apps/cli/src/main.ts",
      "apps/dashboard/next.config.ts",
      "prisma/schema.prisma",
      ...readdirSync(join(repoRoot, "prisma/migrations")).map((m) => `prisma/migrations/${m}`),
      ...readdirSync(join(repoRoot, "proto/automl/v1")).map((p) => `proto/automl/v1/${p}`),
      "examples/xor.yaml",
      ...workspaces().map((w) => `${w.dir}/package.json`),
    ];
    expect(needed.filter((p) => dockerignored(patterns, p))).toEqual([]);
    const dropped = ["node_modules/next/package.json", "apps/dashboard/node_modules/x", ".git/HEAD", "apps/dashboard/.next/BUILD_ID", "proto/src/gen/automl/v1/automl.ts", "prisma/src/generated/prisma/client.ts", ".automl/pgdata/PG_VERSION", "infra/k8s/base/kustomization.yaml"];
    expect(dropped.filter((p) => !dockerignored(patterns, p))).toEqual([]);
  });
});

describe("image specifics", () => {
  it("worker images bring OpenBLAS; the GPU one builds on CUDA devel and runs on CUDA runtime", () => {
    const cpu = parseDockerfile(join(dockerDir, "worker-cpu.Dockerfile"));
    const gpu = parseDockerfile(join(dockerDir, "worker-gpu.Dockerfile"));
    for (const df of [cpu, gpu]) {
      expect(keyword(df.stages.at(-1)!, "RUN").some((r) => /apt-get install .*\blibopenblas0\b/.test(r.getArgumentsContent() ?? ""))).toBe(true);
      // The native build is guarded: the Dockerfile stays valid before packages/nn-native exists.
      expect(df.text).toContain("if [ -f packages/nn-native/package.json ]; then");
    }
    const base = (s: { base: string } | undefined) => expandArgs(s?.base ?? "", gpu.globalArgs);
    expect(base(gpu.stages.find((s) => s.name === "build"))).toMatch(/^nvidia\/cuda:[\d.]+-devel-ubuntu[\d.]+$/);
    expect(base(gpu.stages.at(-1))).toMatch(/^nvidia\/cuda:[\d.]+-runtime-ubuntu[\d.]+$/);
  });

  it("the dashboard image builds Next.js and ships its .next output", () => {
    const df = parseDockerfile(join(dockerDir, "dashboard.Dockerfile"));
    expect(df.text).toMatch(/npm run build -w @automl\/dashboard/);
    const copies = keyword(df.stages.at(-1)!, "COPY").map((c) => [flags(c).get("from"), ...c.getArguments().map((a) => a.getValue())]);
    expect(copies).toContainEqual(["build", "/app/apps/dashboard/.next", "./apps/dashboard/.next"]);
  });
});
