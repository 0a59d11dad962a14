import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { nkeys } from "@nats-io/nats-core";
import { TrialSpec } from "@automl/proto";
import { AppError, commonEnvShape, createLogger, parseEnvWith, silentLogger } from "@automl/common";
import { JetStreamDatasetStore, JetStreamQueue, natsCredentials, type Delivery, type NatsCredentials } from "../../src/index";
import { startOwnNatsServer, uniqueStreamNames } from "../../src/testing";

// A nats-server of this file's own that requires a login: a user with a password and an nkey user.
const PASSWORD = "nats-pass-7f3a9c1e5b";
const nkeyUser = nkeys.createUser();
const NKEY_SEED = new TextDecoder().decode(nkeyUser.getSeed());
const strangerSeed = new TextDecoder().decode(nkeys.createUser().getSeed());

let server: { url: string; stop(): Promise<void> };
const dir = mkdtempSync(join(tmpdir(), "automl-nats-auth-"));

beforeAll(async () => {
  server = await startOwnNatsServer(`authorization {
  users = [
    { user: "worker", password: "${PASSWORD}" }
    { nkey: "${nkeyUser.getPublicKey()}" }
  ]
}`);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(credentials: NatsCredentials | undefined): Promise<AppError> {
  const err = await JetStreamQueue.connect({ url: server.url, log: silentLogger(), credentials, ...uniqueStreamNames() }).then(
    async (q) => {
      await q.close();
      throw new Error("connected without valid credentials");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** Publishes one trial and reads it back through the queue: the login works end to end. */
async function roundTrip(credentials: NatsCredentials): Promise<string> {
  const queue = await JetStreamQueue.connect({ url: server.url, log: silentLogger(), credentials, ...uniqueStreamNames(), ackWaitMs: 5_000 });
  try {
    const got = new Promise<Delivery>((resolve) => {
      void queue.consume("cpu", async (d) => {
        await d.ack();
        resolve(d);
      });
    });
    await queue.publish("cpu", TrialSpec.fromPartial({ trialId: "t-auth", studyId: "s", widths: [2], activation: "relu" }));
    return (await got).spec.trialId;
  } finally {
    await queue.deleteStream();
    await queue.close();
  }
}

describe("NATS credentials against a server that requires them", () => {
  it("no credentials: refused with UNAUTHENTICATED, saying none were given", async () => {
    const err = await refusal(undefined);
    expect(err.code).toBe("UNAUTHENTICATED");
    expect(err.message).toMatch(/requires credentials and none were given/);
    expect(err.message).toMatch(/AUTOML_NATS_USER/);
  });

  it("a wrong password or an unknown nkey: refused, naming the kind and never the secret", async () => {
    const wrong = await refusal({ kind: "user", user: "worker", password: "not-the-password-123" });
    expect(wrong.code).toBe("UNAUTHENTICATED");
    expect(wrong.message).toMatch(/user credentials were refused/);
    expect(wrong.message).not.toContain("not-the-password-123");
    const stranger = await refusal({ kind: "nkey", seed: strangerSeed });
    expect(stranger.code).toBe("UNAUTHENTICATED");
    expect(stranger.message).toMatch(/nkey credentials were refused/);
    expect(stranger.message).not.toContain(strangerSeed);
  });

  it("user + password: the queue works", async () => {
    expect(await roundTrip({ kind: "user", user: "worker", password: PASSWORD })).toBe("t-auth");
  });

  it("an nkey seed: the queue works", async () => {
    expect(await roundTrip({ kind: "nkey", seed: NKEY_SEED })).toBe("t-auth");
  });

  it("a token (a server of its own: nats-server takes a token or users, not both)", async () => {
    const tokenServer = await startOwnNatsServer(`authorization { token: "nats-token-0c9d2e7a41" }`);
    try {
      const connect = (token: string) => JetStreamQueue.connect({ url: tokenServer.url, log: silentLogger(), credentials: { kind: "token", token }, ...uniqueStreamNames() });
      await expect(connect("not-the-token")).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/token credentials were refused/) });
      const queue = await connect("nats-token-0c9d2e7a41");
      await queue.deleteStream();
      await queue.close();
    } finally {
      await tokenServer.stop();
    }
  });

  it("the dataset object store logs in the same way", async () => {
    await expect(JetStreamDatasetStore.connect({ url: server.url, bucket: "auth-test" })).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const store = await JetStreamDatasetStore.connect({ url: server.url, bucket: "auth-test", credentials: { kind: "nkey", seed: NKEY_SEED } });
    await store.close();
  });

  it("from the environment: the password from AUTOML_NATS_PASSWORD_FILE logs in, and a logged env shows no secret", async () => {
    const passwordFile = join(dir, "nats-password");
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    const env = parseEnvWith(z.object(commonEnvShape), { AUTOML_NATS_USER: "worker", AUTOML_NATS_PASSWORD_FILE: passwordFile });
    const credentials = natsCredentials(env);
    expect(credentials).toEqual({ kind: "user", user: "worker", password: PASSWORD });
    expect(await roundTrip(credentials!)).toBe("t-auth");

    let out = "";
    const log = createLogger("t", "info", new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }));
    log.info({ env, credentials }, "configured");
    await new Promise((r) => setImmediate(r));
    expect(out).toContain("configured");
    expect(out).not.toContain(PASSWORD);
  });
});
