// The Kubernetes manifests, validated without a cluster: every kustomization renders, every
// object passes the Kubernetes/KEDA schema, and the objects are wired to each other and to the
// code (env names, subcommands, ports, health paths, JetStream names).
import { beforeAll, describe, expect, it } from "vitest";
import {
  allContainers,
  automlContainerProblems,
  gpuProblems,
  kedaProblems,
  pdbProblems,
  podSecurityProblems,
  probeProblems,
  ref,
  render,
  resolveEnv,
  resourceProblems,
  schemaProblems,
  serviceProblems,
  shutdownProblems,
  workloads,
  type K8sObject,
} from "./support/k8s";
import { kustomizations, readRepoFile } from "./support/repo";

const targets = kustomizations();
const rendered = new Map<string, K8sObject[]>();
const objectsOf = (name: string): K8sObject[] => {
  const objs = rendered.get(name);
  if (!objs) throw new Error(`${name} was not rendered`);
  return objs;
};

beforeAll(() => {
  for (const t of targets) rendered.set(t.name, render(t.dir));
});

it("covers the base and the dev and gpu overlays", () => {
  expect(targets.map((t) => t.name)).toEqual(expect.arrayContaining(["base", "overlays/dev", "overlays/gpu"]));
});

describe.each(targets)("$name", ({ name }) => {
  it("renders to objects that all pass the Kubernetes and KEDA schemas", () => {
    const objs = objectsOf(name);
    expect(objs.length).toBeGreaterThan(5);
    expect(schemaProblems(objs)).toEqual([]);
  });

  it("puts every namespaced object in the automl namespace", () => {
    const objs = objectsOf(name);
    expect(objs.filter((o) => o.kind !== "Namespace" && o.metadata.namespace !== "automl").map(ref)).toEqual([]);
    expect(objs.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name)).toEqual(["automl"]);
  });

  it("has Services and Ingresses that reach declared ports of selected pods, and budgets that select pods", () => {
    const objs = objectsOf(name);
    expect(serviceProblems(objs)).toEqual([]);
    expect(pdbProblems(objs)).toEqual([]);
  });

  it("runs automl subcommands that exist, with env names the CLI parses and everything each one needs", () => {
    expect(automlContainerProblems(objectsOf(name))).toEqual([]);
  });

  it("probes declared ports, on the paths the health server serves", () => {
    expect(probeProblems(objectsOf(name))).toEqual([]);
  });

  it("sets resource requests and memory limits on every container", () => {
    expect(resourceProblems(objectsOf(name))).toEqual([]);
  });

  it("runs every container as non-root within Pod Security's restricted profile", () => {
    expect(podSecurityProblems(objectsOf(name))).toEqual([]);
  });

  it("gives workers longer than their shutdown grace to finish or nak their trials", () => {
    expect(shutdownProblems(objectsOf(name))).toEqual([]);
  });

  it("asks for GPUs only for gpu-pool workers, which land on GPU nodes", () => {
    expect(gpuProblems(objectsOf(name))).toEqual([]);
  });

  it("points KEDA at the stream and consumer the code creates", () => {
    expect(kedaProblems(objectsOf(name))).toEqual([]);
  });
});

describe("what each kustomization contains", () => {
  const names = (objs: K8sObject[]) => objs.map(ref);

  it("base: coordinator, migrations Job, CPU workers, dashboard with Ingress, Secrets, budgets", () => {
    const objs = objectsOf("base");
    expect(names(objs)).toEqual(
      expect.arrayContaining([
        "Deployment/coordinator",
        "Service/coordinator",
        "Job/migrate",
        "Deployment/worker-cpu",
        "Deployment/dashboard",
        "Service/dashboard",
        "Ingress/dashboard",
        "PodDisruptionBudget/worker-cpu",
        "PodDisruptionBudget/dashboard",
        "PodDisruptionBudget/coordinator",
      ]),
    );
    expect(objs.filter((o) => o.kind === "Secret").map((o) => o.metadata.name)).toEqual([expect.stringMatching(/^automl-secrets-/)]);
    const svc = objs.find((o) => ref(o) === "Service/coordinator");
    expect(svc?.spec.ports).toEqual([expect.objectContaining({ name: "grpc", port: 50051 })]);
    const job = workloads(objs).find((w) => ref(w.obj) === "Job/migrate");
    expect(job?.pod.containers[0]?.args).toEqual(["migrate"]);
    // A leader and a standby (the scheduler lease decides which schedules): replaced one at a
    // time, at least one kept through drains, ready while holding or waiting for the lease.
    const coord = workloads(objs).find((w) => ref(w.obj) === "Deployment/coordinator");
    expect(coord?.obj.spec.replicas).toBe(2);
    expect(coord?.obj.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const pdb = objs.find((o) => ref(o) === "PodDisruptionBudget/coordinator");
    expect(pdb?.spec.minAvailable).toBe(1);
    expect(pdb?.spec.selector.matchLabels).toEqual(coord?.obj.spec.selector.matchLabels);
    expect(coord?.pod.containers[0]?.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "health" });
    const config = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("automl-config"));
    expect(Number(config?.data?.AUTOML_LEADER_LEASE_MS)).toBeGreaterThan(0);
    expect(names(objs).filter((n) => /ScaledObject|ScaledJob|worker-gpu|StatefulSet/.test(n))).toEqual([]);
  });

  it("every automl pod keeps AUTOML_HOME and /tmp on emptyDirs under a read-only root", () => {
    for (const name of ["base", "overlays/gpu"]) {
      for (const w of workloads(objectsOf(name))) {
        for (const c of allContainers(w.pod)) {
          expect(c.securityContext?.readOnlyRootFilesystem, `${ref(w.obj)} ${c.name}`).toBe(true);
          const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
          const tmp = w.pod.volumes?.find((v) => v.name === mounts.get("/tmp"));
          expect(tmp?.emptyDir, `${ref(w.obj)} ${c.name}: /tmp`).toBeDefined();
          if (c.args?.[0] === "worker") {
            const home = w.pod.volumes?.find((v) => v.name === mounts.get("/var/lib/automl"));
            expect(home?.emptyDir, `${ref(w.obj)}: AUTOML_HOME`).toBeDefined();
          }
        }
      }
    }
  });

  it("dev: one NATS with JetStream on a PVC and monitoring on 8222, one Postgres, in-cluster URLs", () => {
    const objs = objectsOf("overlays/dev");
    const nats = workloads(objs).find((w) => ref(w.obj) === "StatefulSet/nats");
    const pg = workloads(objs).find((w) => ref(w.obj) === "StatefulSet/postgres");
    expect(nats?.obj.spec.replicas).toBe(1);
    expect(pg?.obj.spec.replicas).toBe(1);
    const args = nats?.pod.containers[0]?.args ?? [];
    expect(args).toEqual(expect.arrayContaining(["--jetstream", "--http_port", "8222"]));
    const storeDir = args[args.indexOf("--store_dir") + 1];
    const dataMount = nats?.pod.containers[0]?.volumeMounts?.find((m) => m.mountPath === storeDir);
    expect(nats?.obj.spec.volumeClaimTemplates.map((t: K8sObject) => t.metadata.name)).toContain(dataMount?.name);
    const natsSvc = objs.find((o) => ref(o) === "Service/nats");
    expect(natsSvc?.spec.ports.map((p: { port: number }) => p.port).sort()).toEqual([4222, 8222]);
  });

  it("NATS: one user per role (infra/nats/auth.conf), each automl pod logs in as its own, cancels signed", () => {
    const auth = readRepoFile("infra/nats/auth.conf");
    // The dev overlay ships the same files (kustomize reads only under its own directory).
    expect(readRepoFile("infra/k8s/overlays/dev/nats/auth.conf")).toBe(auth);
    expect(readRepoFile("infra/k8s/overlays/dev/nats/nats.conf")).toBe(readRepoFile("infra/nats/nats.conf"));
    const users = new Map([...auth.matchAll(/\{ user: "([^"]+)", password: \$(\w+), permissions: \$(\w+) \}/g)].map((m) => [m[1]!, m[2]!]));
    expect([...users.keys()]).toEqual(["coordinator", "worker-cpu", "worker-gpu", "client"]);
    for (const name of ["base", "overlays/dev", "overlays/gpu"]) {
      const objs = objectsOf(name);
      for (const w of workloads(objs)) {
        const c = w.pod.containers[0]!;
        const sub = c.args?.[0];
        if (sub !== "coordinator" && sub !== "worker") continue;
        const env = resolveEnv(c, objs).values;
        const user = env.get("AUTOML_NATS_USER");
        expect(user, `${name} ${ref(w.obj)}`).toBe(sub === "coordinator" ? "coordinator" : `worker-${env.get("AUTOML_POOL")}`);
        expect(users.has(user!), `${name} ${ref(w.obj)}: user ${user} in auth.conf`).toBe(true);
        expect(env.get("AUTOML_NATS_PASSWORD"), `${name} ${ref(w.obj)}`).toBeTruthy();
        expect(env.get("AUTOML_CANCEL_KEY")?.length, `${name} ${ref(w.obj)}: AUTOML_CANCEL_KEY`).toBeGreaterThanOrEqual(32);
      }
    }
    // The dev NATS runs that config, with every password auth.conf reads, equal to the pods'.
    const objs = objectsOf("overlays/dev");
    const nats = workloads(objs).find((w) => ref(w.obj) === "StatefulSet/nats")!;
    const c = nats.pod.containers[0]!;
    expect(c.args?.slice(0, 2)).toEqual(["--config", "/etc/nats/nats.conf"]);
    const mount = c.volumeMounts?.find((m) => m.mountPath === "/etc/nats");
    const volume = nats.pod.volumes?.find((v) => v.name === mount?.name);
    const config = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume?.configMap?.name);
    expect(Object.keys(config?.data ?? {}).sort()).toEqual(["auth.conf", "nats.conf"]);
    const serverEnv = resolveEnv(c, objs).values;
    for (const variable of users.values()) expect(serverEnv.get(variable), variable).toBeTruthy();
    const coordinator = workloads(objs).find((w) => ref(w.obj) === "Deployment/coordinator")!;
    expect(resolveEnv(coordinator.pod.containers[0]!, objs).values.get("AUTOML_NATS_PASSWORD")).toBe(serverEnv.get("NATS_COORDINATOR_PASSWORD"));
  });

  it("gpu: GPU workers with one GPU each, scaled from zero by a ScaledObject on workers-gpu", () => {
    const objs = objectsOf("overlays/gpu");
    const gpu = workloads(objs).find((w) => ref(w.obj) === "Deployment/worker-gpu");
    expect(gpu?.pod.containers[0]?.resources?.limits?.["nvidia.com/gpu"]).toBe(1);
    expect(gpu?.pod.nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
    const so = objs.find((o) => ref(o) === "ScaledObject/worker-gpu");
    expect(so?.spec).toMatchObject({ scaleTargetRef: { name: "worker-gpu" }, minReplicaCount: 0 });
    expect(so?.spec.triggers).toEqual([
      expect.objectContaining({
        type: "nats-jetstream",
        metadata: expect.objectContaining({ stream: "AUTOML_TRIALS", consumer: "workers-gpu", account: "$G", lagThreshold: "1" }),
      }),
    ]);
    expect(names(objs)).toContain("PodDisruptionBudget/worker-gpu");
  });
});

// The checks above pass on the real manifests; these show they would fail on broken ones.
describe("the checks catch broken manifests", () => {
  const broken = (mutate: (objs: K8sObject[]) => void): K8sObject[] => {
    const objs = structuredClone(objectsOf("overlays/gpu"));
    mutate(objs);
    return objs;
  };
  const get = (objs: K8sObject[], r: string): K8sObject => {
    const o = objs.find((x) => ref(x) === r);
    if (!o) throw new Error(`${r} not rendered`);
    return o;
  };
  const container = (objs: K8sObject[], r: string) => get(objs, r).spec.template.spec.containers[0];

  it("an object that breaks the schema, or of an unknown or removed kind", () => {
    const objs = broken((o) => {
      get(o, "Deployment/coordinator").spec.replicas = "one";
      o.push({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "automl" } });
      o.push({ apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "old", namespace: "automl" }, spec: {} });
    });
    const problems = schemaProblems(objs);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Deployment\/coordinator: .*replicas must be integer/),
        expect.stringMatching(/^Widget\/w: unknown apiVersion\/kind/),
        expect.stringMatching(/^Ingress\/old: apiVersion extensions\/v1beta1 is not among the served versions/),
      ]),
    );
  });

  it("a Service selecting nothing, or targeting a port the pods lack", () => {
    const objs = broken((o) => {
      get(o, "Service/dashboard").spec.selector = { "app.kubernetes.io/component": "nope" };
      get(o, "Service/coordinator").spec.ports[0].targetPort = "grcp";
    });
    expect(serviceProblems(objs)).toEqual([
      expect.stringMatching(/^Service\/coordinator port grpc: targetPort grcp is not a port/),
      expect.stringMatching(/^Service\/dashboard: selector .* matches no/),
    ]);
  });

  it("an env name the CLI does not parse, a missing Secret key, a subcommand that does not exist", () => {
    const objs = broken((o) => {
      container(o, "Deployment/worker-cpu").env.push({ name: "AUTOML_WORKERS", value: "2" });
      container(o, "Deployment/coordinator").env[0].valueFrom.secretKeyRef.key = "db-url";
      container(o, "Deployment/dashboard").args = ["serve"];
    });
    expect(automlContainerProblems(objs)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/worker-cpu container worker: env AUTOML_WORKERS is not parsed by apps\/cli\/src\/env\.ts/),
        expect.stringMatching(/coordinator container coordinator: AUTOML_DATABASE_URL: secretKeyRef automl-secrets-\w+\/db-url does not exist/),
        expect.stringMatching(/dashboard container dashboard: runs `automl serve`, not a subcommand/),
      ]),
    );
  });

  it("a coordinator listening on loopback, a worker without a coordinator address", () => {
    const objs = broken((o) => {
      const coord = container(o, "Deployment/coordinator");
      coord.env = coord.env.filter((e: { name: string }) => e.name !== "AUTOML_GRPC_LISTEN");
      get(o, "ConfigMap/" + get(o, "Deployment/worker-cpu").spec.template.spec.containers[0].envFrom[0].configMapRef.name).data!.AUTOML_COORDINATOR_ADDR = "127.0.0.1:50051";
    });
    expect(automlContainerProblems(objs)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/coordinator: AUTOML_GRPC_LISTEN=127\.0\.0\.1:50051 listens on loopback only/),
        expect.stringMatching(/worker-cpu container worker: AUTOML_COORDINATOR_ADDR=127\.0\.0\.1:50051 does not reach/),
      ]),
    );
  });

  it("a probe on an undeclared port or a path the health server does not serve", () => {
    const objs = broken((o) => {
      container(o, "Deployment/worker-cpu").readinessProbe.httpGet.path = "/ready";
      container(o, "Deployment/coordinator").livenessProbe.httpGet.port = 9090;
    });
    expect(probeProblems(objs)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/coordinator container coordinator livenessProbe: port 9090 is not declared/),
        expect.stringMatching(/worker-cpu container worker readinessProbe: path \/ready is not served/),
      ]),
    );
  });

  it("no requests, root, a grace period shorter than the shutdown grace, a GPU outside the gpu pool", () => {
    const objs = broken((o) => {
      delete container(o, "Deployment/dashboard").resources.requests;
      get(o, "Deployment/coordinator").spec.template.spec.securityContext.runAsNonRoot = false;
      get(o, "Deployment/worker-gpu").spec.template.spec.terminationGracePeriodSeconds = 300;
      container(o, "Deployment/worker-cpu").resources.limits["nvidia.com/gpu"] = 1;
    });
    expect(resourceProblems(objs)).toEqual(["Deployment/dashboard container dashboard: no cpu request", "Deployment/dashboard container dashboard: no memory request"]);
    expect(podSecurityProblems(objs)).toEqual(["Deployment/coordinator container coordinator: runAsNonRoot is not true"]);
    expect(shutdownProblems(objs)).toEqual(["Deployment/worker-gpu: terminationGracePeriodSeconds 300 <= AUTOML_SHUTDOWN_GRACE_MS 300000 / 1000"]);
    expect(gpuProblems(objs)).toEqual(["Deployment/worker-cpu container worker: requests GPUs but is not a gpu-pool worker"]);
  });

  it("a KEDA trigger on another consumer or stream, or a target that sets replicas", () => {
    const objs = broken((o) => {
      const so = get(o, "ScaledObject/worker-gpu");
      so.spec.triggers[0].metadata.consumer = "workers-cpu";
      so.spec.triggers[0].metadata.stream = "TRIALS";
      get(o, "Deployment/worker-gpu").spec.replicas = 2;
    });
    expect(kedaProblems(objs)).toEqual([
      expect.stringMatching(/sets spec\.replicas/),
      expect.stringMatching(/trigger stream TRIALS, worker's AUTOML_NATS_STREAM AUTOML_TRIALS, code's stream AUTOML_TRIALS/),
      expect.stringMatching(/trigger consumer workers-cpu, but the worker \(pool gpu\) consumes workers-gpu/),
    ]);
  });
});
