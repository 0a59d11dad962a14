// docs/deployment.md against the files and manifests it describes: the paths in its commands
// exist, the objects it names are rendered, the variables and JetStream names it mentions are the
// code's.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { ref, render, type K8sObject } from "./support/k8s";
import { cliEnvSchema, jetStreamNames, kustomizations, repoRoot } from "./support/repo";

const guide = readFileSync(join(repoRoot, "docs/deployment.md"), "utf8");

/** Shell commands: the lines of ```sh blocks (continuations joined) and inline `kubectl …` / `docker …`. */
const commands: string[] = [
  ...[...guide.matchAll(/^```(?:sh|bash|shell|console)\n([\s\S]*?)^```/gm)].flatMap((m) =>
    (m[1] ?? "")
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((l) => l.replace(/^\$ /, "").trim())
      .filter((l) => l && !l.startsWith("#")),
  ),
  ...[...guide.replace(/^```[\s\S]*?^```/gm, "").matchAll(/`((?:kubectl|docker) [^`]+)`/g)].map((m) => (m[1] ?? "").replace(/\s+/g, " ")),
];

/** Every object of every kustomization, by kind/name. */
const objects = new Map<string, K8sObject>();
beforeAll(() => {
  for (const k of kustomizations()) for (const o of render(k.dir)) objects.set(ref(o), o);
});

const KINDS: Record<string, string> = {
  deploy: "Deployment",
  deployment: "Deployment",
  svc: "Service",
  service: "Service",
  job: "Job",
  sts: "StatefulSet",
  statefulset: "StatefulSet",
  scaledobject: "ScaledObject",
  scaledjob: "ScaledJob",
  pdb: "PodDisruptionBudget",
  ingress: "Ingress",
};

it("has shell commands to check", () => {
  expect(commands.length).toBeGreaterThan(20);
});

it("applies and renders kustomizations under infra/ that exist", () => {
  const paths = commands.flatMap((c) => [...c.matchAll(/(?:kubectl (?:apply|delete|diff) -k|kubectl kustomize|kustomize build) (\S+)/g)].map((m) => m[1] ?? ""));
  const ours = paths.filter((p) => p.startsWith("infra/"));
  expect(ours).toEqual(expect.arrayContaining(["infra/k8s/overlays/dev", "infra/k8s/overlays/gpu"]));
  expect(ours.filter((p) => !existsSync(join(repoRoot, p, "kustomization.yaml")))).toEqual([]);
  // Anything else is the reader's own overlay, introduced in the guide.
  for (const p of paths.filter((p) => !p.startsWith("infra/"))) expect(guide).toContain(`# ${p}/kustomization.yaml`);
});

it("builds every image from a Dockerfile that exists, with the repository root as context", () => {
  const builds = commands.filter((c) => c.startsWith("docker build "));
  const files = builds.map((c) => /-f (\S+)/.exec(c)?.[1] ?? "(no -f)");
  expect(files.filter((f) => !existsSync(join(repoRoot, f)))).toEqual([]);
  expect(new Set(files)).toEqual(new Set(["coordinator", "worker-cpu", "worker-gpu", "dashboard"].map((i) => `infra/docker/${i}.Dockerfile`)));
  for (const b of builds) expect(b, b).toMatch(/ \.$/);
  for (const c of commands.filter((c) => c.startsWith("docker compose "))) expect(existsSync(join(repoRoot, /-f (\S+)/.exec(c)?.[1] ?? "(no -f)"))).toBe(true);
});

it("names only objects the manifests define, in the automl namespace", () => {
  const named = commands
    .filter((c) => c.startsWith("kubectl ") && / -n automl\b/.test(c))
    .flatMap((c) => [...c.matchAll(/\b([a-z]+)\/([a-z0-9-]+)\b/g)].filter((m) => KINDS[m[1] ?? ""]).map((m) => `${KINDS[m[1] ?? ""]}/${m[2]}`))
    .concat(commands.filter((c) => / -n automl (?:delete job|scale deploy) /.test(c)).map((c) => {
      const m = / -n automl (?:delete job|scale deploy) ([a-z0-9-]+)/.exec(c);
      return `${c.includes("delete job") ? "Job" : "Deployment"}/${m?.[1]}`;
    }));
  expect(named.length).toBeGreaterThan(8);
  expect(named.filter((n) => !objects.has(n))).toEqual([]);
});

it("names objects in its prose (\"the Service `coordinator`\") that the manifests define", () => {
  const kinds = "Deployment|Service|Job|StatefulSet|ScaledObject|ScaledJob|Ingress|PodDisruptionBudget|ConfigMap|Secret";
  const mentions = [...guide.matchAll(new RegExp(`\\b((?:${kinds})(?: \\+ (?:${kinds}))*) \`([a-z0-9-]+)\``, "g"))];
  expect(mentions.length).toBeGreaterThan(8);
  const missing = mentions.flatMap((m) =>
    (m[1] ?? "").split(" + ").filter((kind) => {
      const name = m[2] ?? "";
      // Generated ConfigMaps and Secrets carry a content hash after their name.
      return ["ConfigMap", "Secret"].includes(kind)
        ? ![...objects.values()].some((o) => o.kind === kind && o.metadata.name.startsWith(`${name}-`))
        : !objects.has(`${kind}/${name}`);
    }).map((kind) => `${kind}/${m[2]}`),
  );
  expect(missing).toEqual([]);
});

it("describes every Deployment, Service, Job, StatefulSet and the ScaledObject it deploys", () => {
  const described = [...objects.values()].filter((o) => ["Deployment", "Service", "Job", "StatefulSet", "ScaledObject", "ScaledJob", "Ingress"].includes(o.kind));
  expect(described.filter((o) => !guide.includes(`\`${o.metadata.name}\``)).map(ref)).toEqual([]);
  expect(guide).toMatch(/ScaledObject `worker-gpu`/);
  expect(objects.has("ScaledObject/worker-gpu")).toBe(true);
});

it("mentions only AUTOML_* variables the CLI parses, and the code's JetStream names", () => {
  const schema = cliEnvSchema();
  const mentioned = new Set(guide.match(/AUTOML_[A-Z0-9_]+/g) ?? []);
  expect([...mentioned].filter((n) => n !== "AUTOML_TRIALS" && !schema.has(n))).toEqual([]);
  const js = jetStreamNames();
  expect(guide).toContain(`\`${js.stream}\``);
  for (const pool of ["cpu", "gpu"]) expect(guide).toContain(`\`${js.consumer(pool)}\``);
});

it("states the values the manifests use for grace periods, KEDA and delivery limits", () => {
  const gpu = objects.get("Deployment/worker-gpu")?.spec.template.spec;
  const cpu = objects.get("Deployment/worker-cpu")?.spec.template.spec;
  const so = objects.get("ScaledObject/worker-gpu")?.spec;
  expect(guide).toContain(`\`terminationGracePeriodSeconds\` (${cpu.terminationGracePeriodSeconds} s for CPU, ${gpu.terminationGracePeriodSeconds} s for GPU)`);
  expect(guide).toContain(`\`maxReplicaCount\` (${so.maxReplicaCount}`);
  expect(guide).toContain(`\`cooldownPeriod\` (${so.cooldownPeriod / 60} minutes)`);
  const config = [...objects.values()].find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("automl-config"));
  expect(guide).toContain(`AUTOML_MAX_DELIVER=${config?.data?.AUTOML_MAX_DELIVER}`);
});
