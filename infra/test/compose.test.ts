// infra/compose.yaml, the local development stack: services, the env names they set, their
// start order and their ports. (No Docker engine here to run it; this reads it.)
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { jsonForm, keyword, parseDockerfile } from "./support/docker";
import { cliEnvSchema, cliSubcommands, dockerfiles, hostPort, infraDir, LOOPBACK, repoRoot } from "./support/repo";

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  restart?: string;
  volumes?: string[];
}

const composePath = join(infraDir, "compose.yaml");
const compose = parse(readFileSync(composePath, "utf8"), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = Object.entries(compose.services);
const schema = cliEnvSchema();

/** infra/docker/<image>.Dockerfile the service is built from, if it is one of ours. */
function dockerfileOf(s: Service): string | undefined {
  if (!s.build) return undefined;
  const file = resolve(infraDir, s.build.context, s.build.dockerfile);
  return [...dockerfiles().values()].includes(file) ? file : undefined;
}
const app = services.filter(([, s]) => dockerfileOf(s));
/** The `automl` subcommand: the service's command, else its image's CMD. */
function subcommandOf(s: Service): string | undefined {
  const file = dockerfileOf(s);
  return s.command?.[0] ?? (file ? jsonForm(keyword(parseDockerfile(file).stages.at(-1)!, "CMD").at(-1))?.[0] : undefined);
}
const running = (sub: string) => app.filter(([, s]) => subcommandOf(s) === sub).map(([n]) => n);

/** "60s", "1m30s" → seconds. */
function duration(d: string | undefined): number {
  let total = 0;
  for (const m of (d ?? "").matchAll(/(\d+(?:\.\d+)?)(h|m|s|ms)/g)) total += Number(m[1]) * { h: 3600, m: 60, s: 1, ms: 0.001 }[m[2] as "h" | "m" | "s" | "ms"];
  return total;
}

/** The port each service listens on inside the network, for the addresses others use. */
function listenPorts(s: Service): number[] {
  if (s.image?.startsWith("postgres:")) return [5432];
  if (s.image?.startsWith("nats:")) return [4222, 8222];
  const grpc = s.environment?.AUTOML_GRPC_LISTEN;
  const dash = s.environment?.AUTOML_DASHBOARD_PORT;
  return [grpc ? hostPort(grpc)?.port : undefined, dash ? Number(dash) : undefined].filter((p): p is number => p !== undefined);
}

it("has Postgres, NATS, the migrations one-shot, the coordinator, two workers and the dashboard", () => {
  expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(["postgres", "nats", "migrate", "coordinator", "dashboard"]));
  expect(running("migrate")).toEqual(["migrate"]);
  expect(running("coordinator")).toEqual(["coordinator"]);
  expect(running("worker")).toHaveLength(2);
  expect(running("dashboard")).toEqual(["dashboard"]);
});

it("builds the automl services from infra/docker with the repository root as context", () => {
  for (const [name, s] of services.filter(([, s]) => s.build)) {
    expect(resolve(infraDir, s.build!.context), name).toBe(repoRoot);
    expect(dockerfileOf(s), `${name}: ${s.build!.dockerfile}`).toBeDefined();
    const image = [...dockerfiles().entries()].find(([, f]) => f === dockerfileOf(s))?.[0];
    expect(s.image, name).toBe(`automl/${image}:dev`);
  }
});

describe.each(app)("%s", (name, s) => {
  const env = s.environment ?? {};

  it("runs a subcommand that exists, with env names the CLI parses", () => {
    expect(cliSubcommands()).toContain(subcommandOf(s));
    expect(Object.keys(env).filter((k) => !schema.has(k))).toEqual([]);
  });

  it("gets every address it needs, pointing at services of this file on their ports", () => {
    const needs: Record<string, string[]> = {
      migrate: ["AUTOML_DATABASE_URL"],
      coordinator: ["AUTOML_DATABASE_URL", "AUTOML_NATS_URL", "AUTOML_GRPC_LISTEN"],
      worker: ["AUTOML_NATS_URL", "AUTOML_COORDINATOR_ADDR"],
      dashboard: ["AUTOML_DATABASE_URL", "AUTOML_DASHBOARD_HOST", "AUTOML_DASHBOARD_PORT"],
    };
    for (const n of needs[subcommandOf(s) ?? ""] ?? []) expect(env[n], n).toBeTruthy();
    for (const n of ["AUTOML_DATABASE_URL", "AUTOML_NATS_URL", "AUTOML_COORDINATOR_ADDR"]) {
      if (!env[n]) continue;
      const hp = hostPort(env[n]);
      const target = hp ? compose.services[hp.host] : undefined;
      expect(target, `${n}=${env[n]}: no service ${hp?.host}`).toBeDefined();
      expect(listenPorts(target!), `${n}=${env[n]}`).toContain(hp!.port);
    }
    for (const n of ["AUTOML_GRPC_LISTEN", "AUTOML_HEALTH_LISTEN", "AUTOML_DASHBOARD_HOST"]) {
      if (env[n]) expect(LOOPBACK.has(hostPort(env[n])?.host ?? env[n]), `${n}=${env[n]} is loopback`).toBe(false);
    }
  });

  it("waits for what it uses, with conditions the targets can report", () => {
    const deps = s.depends_on ?? {};
    const expected: Record<string, Record<string, string>> = {
      migrate: { postgres: "service_healthy" },
      coordinator: { migrate: "service_completed_successfully", nats: "service_healthy" },
      worker: { coordinator: "service_healthy", nats: "service_healthy" },
      dashboard: { migrate: "service_completed_successfully" },
    };
    expect(Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, v.condition]))).toEqual(expected[subcommandOf(s) ?? ""]);
  });
});

it("starts services in an order without cycles, and service_healthy targets have a health check", () => {
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (n: string, path: string[]) => {
    expect(compose.services[n], `${path.join(" → ")} → ${n}: no such service`).toBeDefined();
    expect(visiting.has(n), `cycle: ${[...path, n].join(" → ")}`).toBe(false);
    if (done.has(n)) return;
    visiting.add(n);
    for (const d of Object.keys(compose.services[n]?.depends_on ?? {})) visit(d, [...path, n]);
    visiting.delete(n);
    done.add(n);
  };
  for (const [n] of services) visit(n, []);
  for (const [name, s] of services) {
    for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
      const target = compose.services[dep]!;
      if (condition === "service_healthy") {
        const file = dockerfileOf(target);
        const imageCheck = file ? keyword(parseDockerfile(file).stages.at(-1)!, "HEALTHCHECK").length > 0 : false;
        expect(target.healthcheck !== undefined || imageCheck, `${name} waits for ${dep} to be healthy`).toBe(true);
        // The image's check reads AUTOML_HEALTH_LISTEN: the service must run the health server.
        if (!target.healthcheck && file && running("coordinator").concat(running("worker")).includes(dep)) expect(target.environment?.AUTOML_HEALTH_LISTEN, dep).toBeTruthy();
      }
      if (condition === "service_completed_successfully") expect(target.restart, `${dep} is a one-shot`).toBe("no");
    }
  }
});

it("publishes ports on loopback only, each once, where the services listen", () => {
  const published = services.flatMap(([name, s]) =>
    (s.ports ?? []).map((p) => {
      const m = /^(127\.0\.0\.1):(\d+):(\d+)$/.exec(p);
      expect(m, `${name}: ${p} is not 127.0.0.1:<host>:<container>`).not.toBeNull();
      return { name, host: Number(m?.[2]), container: Number(m?.[3]) };
    }),
  );
  expect(new Set(published.map((p) => p.host)).size).toBe(published.length);
  for (const p of published) expect(listenPorts(compose.services[p.name]!), `${p.name}:${p.container}`).toContain(p.container);
  expect(published.filter((p) => p.name === "coordinator").map((p) => p.container)).toEqual([50051]);
  expect(published.filter((p) => p.name === "dashboard").map((p) => p.container)).toEqual([3000]);
  expect(published.filter((p) => p.name === "nats").map((p) => p.container).sort()).toEqual([4222, 8222]);
});

it("runs NATS with JetStream on a volume and monitoring on 8222, and Postgres with the URL's credentials", () => {
  const nats = compose.services.nats!;
  const cmd = nats.command ?? [];
  expect(cmd).toEqual(expect.arrayContaining(["-js", "-m", "8222"]));
  const store = cmd[cmd.indexOf("-sd") + 1];
  expect(nats.volumes?.some((v) => v.endsWith(`:${store}`))).toBe(true);
  const pg = compose.services.postgres!.environment ?? {};
  for (const [, s] of app) {
    const url = s.environment?.AUTOML_DATABASE_URL;
    if (!url) continue;
    const u = new URL(url);
    expect([u.username, u.password, u.pathname.slice(1)]).toEqual([pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, pg.POSTGRES_DB]);
  }
});

it("gives workers longer to stop than their shutdown grace", () => {
  for (const n of running("worker")) {
    const s = compose.services[n]!;
    const grace = Number(s.environment?.AUTOML_SHUTDOWN_GRACE_MS ?? schema.get("AUTOML_SHUTDOWN_GRACE_MS")?.default);
    expect(duration(s.stop_grace_period), n).toBeGreaterThan(grace / 1000);
  }
});

it("names Dockerfiles that exist", () => {
  for (const [, s] of services) if (s.build) expect(existsSync(resolve(infraDir, s.build.context, s.build.dockerfile))).toBe(true);
});
