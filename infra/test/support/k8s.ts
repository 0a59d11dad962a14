// Rendering the kustomizations and checking the objects: schema validation with
// kubernetes-models / @kubernetes-models/keda, then the wiring between objects and with the code.
// Every check returns a list of problems (empty = fine), so tests can show all of them at once
// and can prove on broken copies that a check catches what it claims to.
import { execFileSync } from "node:child_process";
import * as keda from "@kubernetes-models/keda";
import * as k8s from "kubernetes-models";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IProbe } from "kubernetes-models/v1/Probe";
import { parseAllDocuments } from "yaml";
import { automlImage, cliEnvSchema, cliSubcommands, healthPaths, hostPort, jetStreamNames, LOOPBACK, type EnvVarSpec } from "./repo";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // Kind-specific parts; the checks below narrow them.
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

// ---------------------------------------------------------------------------------- rendering

let kustomizeCmd: { file: string; args: string[] } | undefined;

function kustomizeMajor(version: string | undefined): number {
  return Number(/v?(\d+)\./.exec(version ?? "")?.[1] ?? 0);
}

/**
 * `kubectl kustomize` when kubectl embeds kustomize v5 (kubectl >= 1.27), else a `kustomize`
 * v5 binary. The overlays use v5 fields (labels, replicas, images), so older ones cannot render them.
 */
function kustomize(): { file: string; args: string[] } {
  if (kustomizeCmd) return kustomizeCmd;
  const found: string[] = [];
  try {
    const v = JSON.parse(execFileSync("kubectl", ["version", "--client", "-o", "json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as { kustomizeVersion?: string };
    if (kustomizeMajor(v.kustomizeVersion) >= 5) return (kustomizeCmd = { file: "kubectl", args: ["kustomize"] });
    found.push(`kubectl with kustomize ${v.kustomizeVersion ?? "(none)"}`);
  } catch (err) {
    found.push(`kubectl: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "not on PATH" : (err as Error).message.split("\n")[0]}`);
  }
  try {
    const v = execFileSync("kustomize", ["version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    if (kustomizeMajor(v) >= 5) return (kustomizeCmd = { file: "kustomize", args: ["build"] });
    found.push(`kustomize ${v}`);
  } catch (err) {
    found.push(`kustomize: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "not on PATH" : (err as Error).message.split("\n")[0]}`);
  }
  throw new Error(
    `rendering infra/k8s needs \`kubectl\` with kustomize v5 (kubectl >= 1.27) or a \`kustomize\` v5 binary on PATH; found: ${found.join("; ")}. ` +
      "(Debian bookworm's kubernetes-client package is kubectl 1.20 with kustomize v2: too old.)",
  );
}

/** `kubectl kustomize <dir>`, parsed. */
export function render(dir: string): K8sObject[] {
  const { file, args } = kustomize();
  let out: string;
  try {
    out = execFileSync(file, [...args, dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 32 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(" ")} ${dir} failed:\n${e.stderr ?? e.message}`);
  }
  return parseYamlStream(out, dir);
}

export function parseYamlStream(text: string, source: string): K8sObject[] {
  const objs: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objs.push(value as K8sObject);
  }
  return objs;
}

export const ref = (o: K8sObject) => `${o.kind}/${o.metadata?.name ?? "(unnamed)"}`;

// --------------------------------------------------------------------------- schema validation

interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: object): { validate(): void };
}

let models: Map<string, ModelClass> | undefined;

/** apiVersion/kind → model class, from every class the two packages export. */
export function modelRegistry(): Map<string, ModelClass> {
  if (models) return models;
  const found = new Map<string, ModelClass>();
  const walk = (o: unknown, depth: number) => {
    if (!o || typeof o !== "object" || depth > 5) return;
    for (const v of Object.values(o)) {
      if (typeof v === "function" && typeof (v as Partial<ModelClass>).apiVersion === "string" && typeof (v as Partial<ModelClass>).kind === "string") {
        const c = v as ModelClass;
        found.set(`${c.apiVersion}/${c.kind}`, c);
      } else walk(v, depth + 1);
    }
  };
  walk(k8s, 0);
  walk(keda, 0);
  return (models = found);
}

/**
 * API versions a current cluster serves. The models also cover removed beta versions
 * (extensions/v1beta1 …), which the schema alone would accept. keda.sh/v1alpha1 is KEDA's
 * current (and only) version of ScaledObject and ScaledJob.
 */
export const SERVED_API_VERSIONS = new Set(["v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1", "autoscaling/v2", "keda.sh/v1alpha1"]);

/**
 * kustomize folds long base64 values of Secrets over several lines; the API server decodes them
 * with Go's base64, which ignores \r and \n, while the schema's "byte" format does not.
 */
function forValidation(o: K8sObject): K8sObject {
  if (o.kind !== "Secret" || !o.data) return o;
  return { ...o, data: Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, v.replace(/[\r\n]/g, "")])) };
}

export function schemaProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const o of objs) {
    const Model = modelRegistry().get(`${o.apiVersion}/${o.kind}`);
    if (!Model) {
      problems.push(`${ref(o)}: unknown apiVersion/kind ${o.apiVersion}/${o.kind} (no model in kubernetes-models or @kubernetes-models/keda)`);
      continue;
    }
    if (!SERVED_API_VERSIONS.has(o.apiVersion)) problems.push(`${ref(o)}: apiVersion ${o.apiVersion} is not among the served versions ${[...SERVED_API_VERSIONS].join(", ")}`);
    try {
      new Model(forValidation(o)).validate();
    } catch (err) {
      problems.push(`${ref(o)}: ${(err as Error).message}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------- workloads

export interface Workload {
  obj: K8sObject;
  pod: IPodSpec;
  podLabels: Record<string, string>;
}

export function workloads(objs: K8sObject[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objs) {
    if (["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(o.kind)) {
      out.push({ obj: o, pod: o.spec?.template?.spec ?? { containers: [] }, podLabels: o.spec?.template?.metadata?.labels ?? {} });
    } else if (o.kind === "CronJob") {
      const t = o.spec?.jobTemplate?.spec?.template;
      out.push({ obj: o, pod: t?.spec ?? { containers: [] }, podLabels: t?.metadata?.labels ?? {} });
    }
  }
  return out;
}

export function allContainers(pod: IPodSpec): IContainer[] {
  return [...(pod.initContainers ?? []), ...pod.containers];
}

export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function find(objs: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objs.find((o) => o.kind === kind && o.metadata.name === name);
}

function secretValue(secret: K8sObject, key: string): string | undefined {
  const s = secret.stringData?.[key];
  if (s !== undefined) return s;
  const d = secret.data?.[key];
  return d === undefined ? undefined : Buffer.from(d.replace(/\s+/g, ""), "base64").toString("utf8");
}

/** Containers of the `automl` command: an image built from infra/docker. */
export function isAutomlContainer(c: IContainer): boolean {
  return automlImage(c.image) !== undefined;
}

/** The `automl` subcommand a container runs: its args (or command after automl.mjs), else the image's CMD. */
export function subcommand(c: IContainer): string | undefined {
  const cmd = c.command ?? [];
  const bin = cmd.findIndex((a) => a.endsWith("automl.mjs") || a === "automl");
  if (cmd.length && bin < 0) return undefined;
  const rest = [...(bin >= 0 ? cmd.slice(bin + 1) : []), ...(c.args ?? [])];
  return rest[0];
}

export interface ResolvedEnv {
  /** name → value (undefined: set from a source that could not be resolved). */
  values: Map<string, string | undefined>;
  problems: string[];
}

/**
 * The environment a container's process sees for AUTOML_* settings: the schema's defaults,
 * then envFrom sources, then env entries (Kubernetes' precedence), with Secret and ConfigMap
 * references resolved against the rendered objects.
 */
export function resolveEnv(c: IContainer, objs: K8sObject[], schema: Map<string, EnvVarSpec> = cliEnvSchema()): ResolvedEnv {
  const values = new Map<string, string | undefined>();
  const problems: string[] = [];
  for (const s of schema.values()) if (s.default !== undefined) values.set(s.name, s.default);
  for (const src of c.envFrom ?? []) {
    const [kind, name] = src.configMapRef ? ["ConfigMap", src.configMapRef.name] : ["Secret", src.secretRef?.name];
    const o = name ? find(objs, kind, name) : undefined;
    if (!o) {
      problems.push(`envFrom ${kind} ${name ?? "(no name)"} does not exist`);
      continue;
    }
    const keys = new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]);
    for (const k of keys) values.set(`${src.prefix ?? ""}${k}`, kind === "Secret" ? secretValue(o, k) : o.data?.[k]);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) values.set(e.name, e.value);
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const s = name ? find(objs, "Secret", name) : undefined;
      const v = s ? secretValue(s, key) : undefined;
      if (v === undefined) problems.push(`${e.name}: secretKeyRef ${name}/${key} does not exist`);
      values.set(e.name, v);
    } else if (e.valueFrom?.configMapKeyRef) {
      const { name, key } = e.valueFrom.configMapKeyRef;
      const v = name ? find(objs, "ConfigMap", name)?.data?.[key] : undefined;
      if (v === undefined) problems.push(`${e.name}: configMapKeyRef ${name}/${key} does not exist`);
      values.set(e.name, v);
    } else values.set(e.name, undefined);
  }
  return { values, problems };
}

/** Names the container sets (env entries and keys of its envFrom sources). */
export function envNames(c: IContainer, objs: K8sObject[]): string[] {
  const names = (c.env ?? []).map((e) => e.name);
  for (const src of c.envFrom ?? []) {
    const [kind, name] = src.configMapRef ? ["ConfigMap", src.configMapRef.name] : ["Secret", src.secretRef?.name];
    const o = name ? find(objs, kind, name) : undefined;
    for (const k of [...Object.keys(o?.data ?? {}), ...Object.keys(o?.stringData ?? {})]) names.push(`${src.prefix ?? ""}${k}`);
  }
  return names;
}

// --------------------------------------------------------------------------------------- checks

/** Each Service selects the pods of a workload, and each targetPort exists on them. */
export function serviceProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const svc of objs.filter((o) => o.kind === "Service")) {
    const selector = svc.spec?.selector as Record<string, string> | undefined;
    const targets = workloads(objs).filter((w) => w.obj.kind !== "Job" && selects(selector, w.podLabels));
    if (!targets.length) {
      problems.push(`${ref(svc)}: selector ${JSON.stringify(selector)} matches no Deployment/StatefulSet pods`);
      continue;
    }
    for (const w of targets) {
      const ports = w.pod.containers.flatMap((c) => c.ports ?? []);
      for (const p of (svc.spec?.ports ?? []) as { name?: string; port: number; targetPort?: number | string }[]) {
        const target = p.targetPort ?? p.port;
        const ok = typeof target === "number" ? ports.some((cp) => cp.containerPort === target) : ports.some((cp) => cp.name === target);
        if (!ok) problems.push(`${ref(svc)} port ${p.name ?? p.port}: targetPort ${target} is not a port of ${ref(w.obj)}'s containers`);
      }
    }
  }
  for (const ing of objs.filter((o) => o.kind === "Ingress")) {
    for (const rule of (ing.spec?.rules ?? []) as { http?: { paths?: { backend?: { service?: { name: string; port?: { name?: string; number?: number } } } }[] } }[]) {
      for (const path of rule.http?.paths ?? []) {
        const b = path.backend?.service;
        if (!b) continue;
        const svc = find(objs, "Service", b.name);
        const ports = (svc?.spec?.ports ?? []) as { name?: string; port: number }[];
        if (!svc) problems.push(`${ref(ing)}: backend Service ${b.name} does not exist`);
        else if (!ports.some((p) => (b.port?.name !== undefined ? p.name === b.port.name : p.port === b.port?.number))) {
          problems.push(`${ref(ing)}: Service ${b.name} has no port ${b.port?.name ?? b.port?.number}`);
        }
      }
    }
  }
  return problems;
}

/** PodDisruptionBudgets select a workload's pods. */
export function pdbProblems(objs: K8sObject[]): string[] {
  return objs
    .filter((o) => o.kind === "PodDisruptionBudget")
    .filter((pdb) => !workloads(objs).some((w) => selects(pdb.spec?.selector?.matchLabels, w.podLabels)))
    .map((pdb) => `${ref(pdb)}: selector matches no workload's pods`);
}

/**
 * automl containers: env names are keys of the CLI's schema and resolve; the subcommand exists;
 * each subcommand has what it needs and listens where its probes and Services look.
 */
export function automlContainerProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const schema = cliEnvSchema();
  const commands = cliSubcommands();
  for (const w of workloads(objs)) {
    for (const c of allContainers(w.pod).filter(isAutomlContainer)) {
      const where = `${ref(w.obj)} container ${c.name}`;
      for (const n of envNames(c, objs)) {
        if (!schema.has(n)) problems.push(`${where}: env ${n} is not parsed by apps/cli/src/env.ts (known: ${[...schema.keys()].join(", ")})`);
      }
      const env = resolveEnv(c, objs, schema);
      problems.push(...env.problems.map((p) => `${where}: ${p}`));
      const sub = subcommand(c);
      if (!sub || !commands.has(sub)) {
        problems.push(`${where}: runs \`automl ${sub ?? "(nothing)"}\`, not a subcommand of apps/cli/src/main.ts (${[...commands].join(", ")})`);
        continue;
      }
      const ports = c.ports ?? [];
      const need = (name: string) => {
        if (!env.values.get(name)) problems.push(`${where}: \`automl ${sub}\` needs ${name}`);
      };
      /** Set directly or as its `_FILE` form. */
      const given = (name: string) => Boolean(env.values.get(name) || env.values.get(`${name}_FILE`));
      const listener = (name: string) => {
        const v = env.values.get(name);
        const hp = v ? hostPort(v) : undefined;
        if (!hp) return problems.push(`${where}: ${name}=${v ?? "(unset)"} is not host:port`);
        if (LOOPBACK.has(hp.host)) problems.push(`${where}: ${name}=${v} listens on loopback only; nothing outside the pod reaches it`);
        if (!ports.some((p) => p.containerPort === hp.port)) problems.push(`${where}: ${name}=${v} but no containerPort ${hp.port} is declared`);
      };
      if (sub === "coordinator") {
        need("AUTOML_DATABASE_URL");
        need("AUTOML_NATS_URL");
        listener("AUTOML_GRPC_LISTEN");
        // Beyond loopback the coordinator refuses to start without a token or mutual TLS (docs/operations.md "Security").
        if (env.values.get("AUTOML_INSECURE") !== "true" && !given("AUTOML_GRPC_TLS_CLIENT_CA")) need("AUTOML_GRPC_TOKEN");
      }
      if (sub === "worker") {
        need("AUTOML_NATS_URL");
        if (!given("AUTOML_GRPC_TLS_CLIENT_CERT")) need("AUTOML_GRPC_TOKEN");
        const addr = env.values.get("AUTOML_COORDINATOR_ADDR");
        const hp = addr ? hostPort(addr) : undefined;
        if (!hp || LOOPBACK.has(hp.host)) problems.push(`${where}: AUTOML_COORDINATOR_ADDR=${addr} does not reach a coordinator outside the pod`);
        const pool = env.values.get("AUTOML_POOL");
        const labelled = w.podLabels["automl.dev/pool"];
        if (labelled !== undefined && labelled !== pool) problems.push(`${where}: pod label automl.dev/pool=${labelled} but AUTOML_POOL=${pool}`);
      }
      if (sub === "dashboard") {
        need("AUTOML_DATABASE_URL");
        if (!given("AUTOML_GRPC_TLS_CLIENT_CERT")) need("AUTOML_GRPC_TOKEN");
        const port = Number(env.values.get("AUTOML_DASHBOARD_PORT"));
        const host = env.values.get("AUTOML_DASHBOARD_HOST") ?? "";
        if (LOOPBACK.has(host)) problems.push(`${where}: AUTOML_DASHBOARD_HOST=${host} listens on loopback only`);
        if (!ports.some((p) => p.containerPort === port)) problems.push(`${where}: AUTOML_DASHBOARD_PORT=${port} but no such containerPort`);
      }
      if (sub === "migrate") need("AUTOML_DATABASE_URL");
      if ((sub === "coordinator" || sub === "worker") && (c.livenessProbe || c.readinessProbe || c.startupProbe)) listener("AUTOML_HEALTH_LISTEN");
      // Addresses of other components inside the namespace (a bare host name) must be Services
      // with that port.
      for (const name of ["AUTOML_DATABASE_URL", "AUTOML_NATS_URL", "AUTOML_COORDINATOR_ADDR"]) {
        const v = env.values.get(name);
        const hp = v ? hostPort(v) : undefined;
        if (!hp || hp.host.includes(".") || LOOPBACK.has(hp.host)) continue;
        const svc = find(objs, "Service", hp.host);
        if (!svc) problems.push(`${where}: ${name} points at Service ${hp.host}, which does not exist`);
        else if (!((svc.spec?.ports ?? []) as { port: number }[]).some((p) => p.port === hp.port)) problems.push(`${where}: ${name}: Service ${hp.host} has no port ${hp.port}`);
      }
    }
  }
  return problems;
}

/** Every probe of every container targets a declared port; automl's HTTP probes use health paths. */
export function probeProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const paths = healthPaths();
  for (const w of workloads(objs)) {
    for (const c of allContainers(w.pod)) {
      const ports = c.ports ?? [];
      const probes: [string, IProbe | undefined][] = [
        ["livenessProbe", c.livenessProbe],
        ["readinessProbe", c.readinessProbe],
        ["startupProbe", c.startupProbe],
      ];
      for (const [kind, p] of probes) {
        if (!p) continue;
        const where = `${ref(w.obj)} container ${c.name} ${kind}`;
        const port = p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;
        if (port !== undefined && !ports.some((cp) => (typeof port === "number" ? cp.containerPort === port : cp.name === port))) {
          problems.push(`${where}: port ${port} is not declared on the container`);
        }
        const sub = isAutomlContainer(c) ? subcommand(c) : undefined;
        if ((sub === "coordinator" || sub === "worker") && p.httpGet && !paths.has(p.httpGet.path ?? "/")) {
          problems.push(`${where}: path ${p.httpGet.path} is not served by the health server (${[...paths].join(", ")})`);
        }
        if ((sub === "coordinator" || sub === "worker") && p.httpGet) {
          const listen = resolveEnv(c, objs).values.get("AUTOML_HEALTH_LISTEN");
          const hp = listen ? hostPort(listen) : undefined;
          const declared = ports.find((cp) => (typeof port === "number" ? cp.containerPort === port : cp.name === port));
          if (!hp || declared?.containerPort !== hp.port) problems.push(`${where}: probes port ${port} but AUTOML_HEALTH_LISTEN=${listen}`);
        }
      }
    }
  }
  return problems;
}

/** Requests (cpu, memory) and a memory limit on every container. */
export function resourceProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(objs)) {
    for (const c of allContainers(w.pod)) {
      const r = c.resources;
      for (const k of ["cpu", "memory"]) if (r?.requests?.[k] === undefined) problems.push(`${ref(w.obj)} container ${c.name}: no ${k} request`);
      if (r?.limits?.memory === undefined) problems.push(`${ref(w.obj)} container ${c.name}: no memory limit`);
    }
  }
  return problems;
}

/** What Pod Security's `restricted` profile (enforced on the namespace) requires of a pod. */
export function podSecurityProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(objs)) {
    const psc = w.pod.securityContext ?? {};
    for (const c of allContainers(w.pod)) {
      const sc = c.securityContext ?? {};
      const where = `${ref(w.obj)} container ${c.name}`;
      if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) problems.push(`${where}: runAsNonRoot is not true`);
      if ((sc.runAsUser ?? psc.runAsUser) === 0) problems.push(`${where}: runs as uid 0`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (!sc.capabilities?.drop?.includes("ALL")) problems.push(`${where}: capabilities do not drop ALL`);
      const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where}: no RuntimeDefault seccomp profile`);
      if (isAutomlContainer(c) && (sc.runAsUser ?? psc.runAsUser) !== 10001) problems.push(`${where}: runAsUser is not the images' uid 10001`);
    }
  }
  return problems;
}

/** Workers get longer than their shutdown grace to stop (finish or nak running trials). */
export function shutdownProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(objs)) {
    for (const c of w.pod.containers.filter((c) => isAutomlContainer(c) && subcommand(c) === "worker")) {
      const graceMs = Number(resolveEnv(c, objs).values.get("AUTOML_SHUTDOWN_GRACE_MS"));
      const period = w.pod.terminationGracePeriodSeconds ?? 30; // Kubernetes' default
      if (!Number.isFinite(graceMs)) problems.push(`${ref(w.obj)}: AUTOML_SHUTDOWN_GRACE_MS is not a number`);
      else if (!(period > graceMs / 1000)) problems.push(`${ref(w.obj)}: terminationGracePeriodSeconds ${period} <= AUTOML_SHUTDOWN_GRACE_MS ${graceMs} / 1000`);
    }
  }
  return problems;
}

/** GPU limits only on GPU workers; those have them and are scheduled onto GPU nodes. */
export function gpuProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(objs)) {
    for (const c of w.pod.containers) {
      const gpus = Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0);
      const pool = isAutomlContainer(c) && subcommand(c) === "worker" ? resolveEnv(c, objs).values.get("AUTOML_POOL") : undefined;
      const where = `${ref(w.obj)} container ${c.name}`;
      if (pool === "gpu") {
        if (!(gpus >= 1)) problems.push(`${where}: a gpu-pool worker without an nvidia.com/gpu limit`);
        if (!Object.keys(w.pod.nodeSelector ?? {}).length && !w.pod.affinity?.nodeAffinity) problems.push(`${where}: no nodeSelector/affinity for GPU nodes`);
        if (!(w.pod.tolerations ?? []).some((t) => t.key === "nvidia.com/gpu")) problems.push(`${where}: no toleration for the nvidia.com/gpu taint`);
      } else if (gpus > 0) problems.push(`${where}: requests GPUs but is not a gpu-pool worker`);
    }
  }
  return problems;
}

/**
 * KEDA objects: the target exists (a Deployment without spec.replicas, which KEDA owns), the
 * nats-jetstream trigger names the stream and consumer the code creates for the worker's pool,
 * its lag threshold is the worker's concurrency, and it reads the monitoring port of the NATS
 * server the worker connects to.
 */
export function kedaProblems(objs: K8sObject[]): string[] {
  const problems: string[] = [];
  const js = jetStreamNames();
  for (const so of objs.filter((o) => o.kind === "ScaledObject")) {
    const target = so.spec?.scaleTargetRef as { name: string; kind?: string } | undefined;
    const dep = target ? find(objs, target.kind ?? "Deployment", target.name) : undefined;
    if (!dep) {
      problems.push(`${ref(so)}: scaleTargetRef ${target?.kind ?? "Deployment"}/${target?.name} does not exist`);
      continue;
    }
    if (dep.spec?.replicas !== undefined) problems.push(`${ref(so)}: ${ref(dep)} sets spec.replicas, which every apply would reset under KEDA`);
    const worker = (workloads([dep])[0]?.pod.containers ?? []).find((c) => isAutomlContainer(c) && subcommand(c) === "worker");
    if (!worker) {
      problems.push(`${ref(so)}: ${ref(dep)} runs no automl worker`);
      continue;
    }
    const env = resolveEnv(worker, objs).values;
    const triggers = (so.spec?.triggers ?? []) as { type: string; metadata?: Record<string, string> }[];
    const nats = triggers.filter((t) => t.type === "nats-jetstream");
    if (!nats.length) problems.push(`${ref(so)}: no nats-jetstream trigger`);
    for (const t of nats) {
      const m = t.metadata ?? {};
      const pool = env.get("AUTOML_POOL") ?? "";
      const stream = env.get("AUTOML_NATS_STREAM");
      if (m.stream !== stream || stream !== js.stream) problems.push(`${ref(so)}: trigger stream ${m.stream}, worker's AUTOML_NATS_STREAM ${stream}, code's stream ${js.stream}`);
      if (m.consumer !== js.consumer(pool)) problems.push(`${ref(so)}: trigger consumer ${m.consumer}, but the worker (pool ${pool}) consumes ${js.consumer(pool)}`);
      if (m.account !== "$G") problems.push(`${ref(so)}: trigger account ${m.account}; NATS without accounts serves JetStream in $G`);
      if (m.lagThreshold !== env.get("AUTOML_WORKER_CONCURRENCY")) problems.push(`${ref(so)}: lagThreshold ${m.lagThreshold} != worker concurrency ${env.get("AUTOML_WORKER_CONCURRENCY")} (one pod per that many queued or running trials)`);
      const mon = m.natsServerMonitoringEndpoint ? hostPort(m.natsServerMonitoringEndpoint) : undefined;
      const url = env.get("AUTOML_NATS_URL");
      const client = url ? hostPort(url) : undefined;
      if (!mon || mon.port !== 8222) problems.push(`${ref(so)}: natsServerMonitoringEndpoint ${m.natsServerMonitoringEndpoint} is not host:8222`);
      else if (!client || client.host !== mon.host) problems.push(`${ref(so)}: monitoring endpoint host ${mon.host} is not the worker's NATS host (${url})`);
    }
  }
  return problems;
}
