import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@automl/db";
import { postgresAvailable } from "@automl/db/testing";
import { makeTestCertificates, type TestCertificates } from "@automl/common/testing";
import { natsAvailable, startOwnNatsServer } from "@automl/messaging/testing";
import { automl, distributedFixture, stop, type Proc } from "../support";
import { freePort } from "@automl/common";

const available = (await postgresAvailable()) && (await natsAvailable());

const GRPC_TOKEN = "grpc-token-5d1c8e2f9a7b3c40";
const NATS_PASSWORD = "nats-password-e4a91b7c2d";

const STUDY = `
name: secure
dataset: { builtin: xor, n: 120, noise: 0.1 }
task: binary
space: { depth: 1, width: { int: [4, 8] }, activation: relu, learningRate: 0.3, batchSize: 16, epochs: 5 }
cv: { folds: 3 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 4, parallel: 2 }
seed: 11
`;

async function until(what: string, cond: () => boolean, timeoutMs: number, detail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The distributed mode with security on, every piece a real process: the coordinator serves gRPC
 * over TLS and requires a bearer token, NATS (a server of this file's own) requires a user and
 * password, and every secret reaches the processes as a file (`<NAME>_FILE`).
 */
describe.skipIf(!available)("security: gRPC over TLS with a bearer token, NATS with a password, secrets from files", () => {
  let dir: string;
  let certs: TestCertificates;
  let nats: { url: string; stop(): Promise<void> };
  let fixture: Awaited<ReturnType<typeof distributedFixture>>;
  let db: Db;
  /** What every component of the deployment gets (the database, NATS, the stream, the coordinator's address). */
  let base: Record<string, string>;
  /** base + all the right credentials, as files. */
  let secure: Record<string, string>;
  let coordinator: Proc;
  const procs: Proc[] = [];
  const run = (args: string[], env: Record<string, string>) => {
    const p = automl(args, env);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "automl-security-"));
    certs = makeTestCertificates(dir);
    nats = await startOwnNatsServer(`authorization { users = [ { user: "automl", password: "${NATS_PASSWORD}" } ] }`);
    fixture = await distributedFixture({ AUTOML_NATS_URL: nats.url });
    db = fixture.db;
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, `${text}\n`, { mode: 0o600 });
      return path;
    };
    base = { ...fixture.env, AUTOML_NATS_USER: "automl", AUTOML_NATS_PASSWORD_FILE: file("nats-password", NATS_PASSWORD) };
    secure = {
      ...base,
      AUTOML_GRPC_TOKEN_FILE: file("grpc-token", GRPC_TOKEN),
      AUTOML_GRPC_TLS_CA_FILE: certs.files.ca,
    };
    coordinator = run(["coordinator"], {
      ...secure,
      AUTOML_GRPC_TLS_CERT_FILE: certs.files.cert,
      AUTOML_GRPC_TLS_KEY_FILE: certs.files.key,
      AUTOML_LOG_LEVEL: "info",
    });
    await until("the coordinator to listen", () => coordinator.stderr().includes("coordinator listening"), 90_000, () => coordinator.stderr());
  });

  afterAll(async () => {
    await Promise.all(procs.filter((p) => p !== coordinator).map(stop));
    await stop(coordinator);
    await fixture?.dispose();
    await nats?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the coordinator says it serves TLS and requires a token", () => {
    const line = coordinator.stderr().split("\n").find((l) => l.includes("coordinator listening"))!;
    expect(JSON.parse(line)).toMatchObject({ tls: true, tokenRequired: true });
  });

  it("refuses calls without the token, with a wrong one, and plaintext to its TLS port; nothing is written", async () => {
    const noToken = run(["study", "create", "examples/xor.yaml"], { ...base, AUTOML_GRPC_TLS_CA_FILE: certs.files.ca });
    expect(await noToken.exited).toBe(1);
    expect(noToken.stderr()).toMatch(/missing bearer token/);

    const wrong = run(["study", "list"], { ...base, AUTOML_GRPC_TLS_CA_FILE: certs.files.ca, AUTOML_GRPC_TOKEN: "not-the-token-0000000" });
    expect(await wrong.exited).toBe(1);
    expect(wrong.stderr()).toMatch(/wrong bearer token/);

    // The right token over plaintext: the TLS port never answers in HTTP/2 cleartext.
    const plain = run(["study", "list"], { ...base, AUTOML_GRPC_TOKEN: GRPC_TOKEN });
    expect(await plain.exited).toBe(1);
    expect(plain.stdout()).toBe("");
    expect(plain.stderr()).toMatch(/^automl: /m);

    expect(await db.study.count()).toBe(0);
    // Each refusal is logged, without what was presented.
    expect(coordinator.stderr()).toMatch(/"reason":"missing bearer token".*"msg":"unauthenticated call refused"/);
    expect(coordinator.stderr()).toMatch(/"reason":"wrong bearer token"/);
  });

  it("a worker with a wrong token or a wrong NATS password refuses to start, saying why", async () => {
    const badToken = run(["worker"], { ...secure, AUTOML_GRPC_TOKEN_FILE: "", AUTOML_GRPC_TOKEN: "not-the-token-0000000" });
    expect(await badToken.exited).toBe(1);
    expect(badToken.stderr()).toMatch(/refused this worker: wrong bearer token/);

    const badNats = run(["worker"], { ...secure, AUTOML_NATS_PASSWORD_FILE: "", AUTOML_NATS_PASSWORD: "not-the-nats-password" });
    expect(await badNats.exited).toBe(1);
    expect(badNats.stderr()).toMatch(/NATS at nats:\/\/127\.0\.0\.1:\d+: user credentials were refused/);
    expect(badNats.stderr()).not.toContain("not-the-nats-password");
  });

  it("workers and a client with the right credentials complete a study; every trial recorded once", async () => {
    run(["worker"], secure);
    run(["worker"], secure);
    writeFileSync(join(dir, "study.yaml"), STUDY);
    const client = run(["run", join(dir, "study.yaml"), "--json", "--no-dashboard"], secure);
    expect(await client.exited, client.stderr()).toBe(0);
    const out = JSON.parse(client.stdout()) as { study: { id: string; status: string }; trials: { status: string }[] };
    expect(out.study.status).toBe("COMPLETED");
    const trials = await db.trial.findMany({ where: { studyId: out.study.id }, include: { folds: true } });
    expect(trials).toHaveLength(4);
    expect(trials.every((t) => t.status === "COMPLETED" && t.folds.length === 3)).toBe(true);
  }, 300_000);

  it("no process wrote a secret to its logs or output", () => {
    const secrets = [GRPC_TOKEN, NATS_PASSWORD, certs.key.split("\n")[1]!];
    for (const p of procs) {
      for (const s of secrets) {
        expect(p.stderr()).not.toContain(s);
        expect(p.stdout()).not.toContain(s);
      }
    }
  });

  it("beyond loopback the coordinator refuses to start without a token (exit 2, naming AUTOML_GRPC_TOKEN)", async () => {
    const port = await freePort();
    const open = run(["coordinator"], { ...base, AUTOML_GRPC_LISTEN: `0.0.0.0:${port}` });
    expect(await open.exited).toBe(2);
    expect(open.stderr()).toMatch(/AUTOML_GRPC_TOKEN: required to listen on 0\.0\.0\.0:\d+ \(not loopback\)/);
  });

  // Last: once a role token exists, this database's coordinators require tokens whatever their settings.
  it("role tokens from `automl token`: each caller only its role's calls; a revoked one is refused without a restart", async () => {
    const create = async (role: string, name: string) => {
      const p = run(["token", "create", "--role", role, "--name", name], base);
      expect(await p.exited, p.stderr()).toBe(0);
      expect(p.stderr()).toMatch(new RegExp(`created ${role} token ${name} \\(id [0-9a-f-]{36}\\); it is shown only now`));
      return p.stdout().trim();
    };
    const workerToken = await create("worker", "pod-1");
    const clientToken = await create("client", "laptop");
    expect(workerToken).toMatch(/^automl_worker_[A-Za-z0-9_-]{43}$/);
    const bad = run(["token", "create", "--role", "admin"], base);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(/--role: must be worker, client or viewer/);

    const list = run(["token", "list"], base);
    expect(await list.exited).toBe(0);
    expect(list.stdout()).toMatch(/pod-1\s+worker\s+\S+\s+-\n/);
    expect(list.stdout()).toMatch(/laptop\s+client\s/);
    for (const t of [workerToken, clientToken]) expect(list.stdout()).not.toContain(t);

    const as = (t: string) => ({ ...base, AUTOML_GRPC_TLS_CA_FILE: certs.files.ca, AUTOML_GRPC_TOKEN: t });
    const clientList = run(["study", "list"], as(clientToken));
    expect(await clientList.exited, clientList.stderr()).toBe(0);
    // A worker with the client's token would take trials it may not report: it refuses to start.
    const wrongRole = run(["worker"], as(clientToken));
    expect(await wrongRole.exited).toBe(1);
    expect(wrongRole.stderr()).toMatch(/refused this worker: this call needs the worker role; this caller has the client role/);
    const workerCreates = run(["study", "create", "examples/xor.yaml"], as(workerToken));
    expect(await workerCreates.exited).toBe(1);
    expect(workerCreates.stderr()).toMatch(/this call needs the client role; this caller has the worker role/);

    const revoke = run(["token", "revoke", "laptop"], base);
    expect(await revoke.exited).toBe(0);
    expect(revoke.stdout()).toMatch(/^revoked client token laptop/);
    await new Promise((r) => setTimeout(r, 2_500)); // the coordinator's credential cache (2 s)
    const revoked = run(["study", "list"], as(clientToken));
    expect(await revoked.exited).toBe(1);
    expect(revoked.stderr()).toMatch(/wrong bearer token/);
    for (const p of [clientList, wrongRole, workerCreates, revoked, coordinator]) for (const t of [workerToken, clientToken]) expect(p.stderr()).not.toContain(t);
  }, 120_000);
});
