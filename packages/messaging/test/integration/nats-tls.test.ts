import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TrialSpec } from "@automl/proto";
import { AppError, commonEnvShape, parseEnvWith, silentLogger } from "@automl/common";
import { makeTestCertificates, type TestCertificates } from "@automl/common/testing";
import { JetStreamDatasetStore, JetStreamQueue, natsTls, type Delivery, type NatsTls } from "../../src/index";
import { startOwnNatsServer, uniqueStreamNames } from "../../src/testing";

// A nats-server of this file's own that speaks only TLS and verifies client certificates
// (throwaway CA made with openssl, like the gRPC TLS tests).
const dir = mkdtempSync(join(tmpdir(), "automl-nats-tls-"));
let certs: TestCertificates;
let otherCa: TestCertificates;
let server: { url: string; stop(): Promise<void> };

beforeAll(async () => {
  certs = makeTestCertificates(dir, "nats");
  otherCa = makeTestCertificates(dir, "stranger");
  server = await startOwnNatsServer(`tls {
  cert_file: "${certs.files.cert}"
  key_file: "${certs.files.key}"
  ca_file: "${certs.files.ca}"
  verify: true
  timeout: 2
}`);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(tls: NatsTls | undefined): Promise<AppError> {
  const err = await JetStreamQueue.connect({ url: server.url, log: silentLogger(), tls, ...uniqueStreamNames(), connectTimeoutMs: 3_000 }).then(
    async (q) => {
      await q.close();
      throw new Error("connected without the right TLS settings");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

async function roundTrip(tls: NatsTls): Promise<string> {
  const queue = await JetStreamQueue.connect({ url: server.url, log: silentLogger(), tls, ...uniqueStreamNames(), ackWaitMs: 5_000 });
  try {
    const got = new Promise<Delivery>((resolve) => {
      void queue.consume("cpu", async (d) => {
        await d.ack();
        resolve(d);
      });
    });
    await queue.publish("cpu", TrialSpec.fromPartial({ trialId: "t-tls", studyId: "s", widths: [2], activation: "relu" }));
    return (await got).spec.trialId;
  } finally {
    await queue.deleteStream();
    await queue.close();
  }
}

describe("TLS to NATS, against a server that requires it and verifies clients", () => {
  it("plaintext is refused, saying TLS is required and which variables set it", async () => {
    const err = await refusal(undefined);
    expect(err.code).toBe("UNAVAILABLE");
    expect(err.message).toMatch(/requires TLS.*AUTOML_NATS_TLS_CA/);
  });

  it("TLS asked of a server that does not offer it is refused, saying so", async () => {
    const plain = await startOwnNatsServer();
    try {
      const err = await JetStreamQueue.connect({ url: plain.url, log: silentLogger(), tls: { ca: certs.ca }, ...uniqueStreamNames() }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/does not offer TLS/) });
    } finally {
      await plain.stop();
    }
  });

  it("a server certificate from another CA is refused", async () => {
    const err = await refusal({ ca: otherCa.ca, cert: certs.clientCert, key: certs.clientKey });
    expect(err.code).toBe("UNAVAILABLE");
    expect(err.message).toMatch(/TLS handshake failed/);
  });

  it("without a client certificate the server refuses the handshake", async () => {
    const err = await refusal({ ca: certs.ca });
    expect(err.code).toBe("UNAVAILABLE");
    expect(err.message).toMatch(/no answer over TLS; if the server verifies clients, set AUTOML_NATS_TLS_CERT/);
  });

  it("the CA and a client certificate: the queue and the dataset store work", async () => {
    const tls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    expect(await roundTrip(tls)).toBe("t-tls");
    const store = await JetStreamDatasetStore.connect({ url: server.url, bucket: "tls-test", tls });
    await store.close();
  });

  it("from the environment, as files (AUTOML_NATS_TLS_CA_FILE, _CERT_FILE, _KEY_FILE)", async () => {
    const env = parseEnvWith(z.object(commonEnvShape), {
      AUTOML_NATS_TLS_CA_FILE: certs.files.ca,
      AUTOML_NATS_TLS_CERT_FILE: certs.files.clientCert,
      AUTOML_NATS_TLS_KEY_FILE: certs.files.clientKey,
    });
    const tls = natsTls(env);
    // The files' trailing newline is dropped (secrets.ts); PEM does not need it.
    expect(tls).toEqual({ ca: certs.ca.trimEnd(), cert: certs.clientCert.trimEnd(), key: certs.clientKey.trimEnd() });
    expect(await roundTrip(tls!)).toBe("t-tls");
  });
});

describe("NATS TLS settings", () => {
  it("none means plaintext; AUTOML_NATS_TLS=true alone means TLS with the system roots", () => {
    expect(natsTls({})).toBeUndefined();
    expect(natsTls({ AUTOML_NATS_TLS: true })).toEqual({});
    expect(natsTls({ AUTOML_NATS_TLS_CA: "pem" })).toEqual({ ca: "pem" });
  });

  it("a certificate without its key (or the reverse) is an error naming both", () => {
    expect(() => natsTls({ AUTOML_NATS_TLS_CERT: "c" })).toThrow(/AUTOML_NATS_TLS_KEY: required with AUTOML_NATS_TLS_CERT/);
    expect(() => natsTls({ AUTOML_NATS_TLS_KEY: "k" })).toThrow(/AUTOML_NATS_TLS_CERT: required with AUTOML_NATS_TLS_KEY/);
  });
});
