import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { commonEnvShape, parseEnvWith } from "./env";
import { createLogger } from "./logger";
import { withSecretFiles } from "./secrets";

const dir = mkdtempSync(join(tmpdir(), "automl-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("secrets from env or files", () => {
  it("reads <NAME>_FILE into <NAME>, dropping the trailing newline only", () => {
    const env = withSecretFiles({ AUTOML_GRPC_TOKEN_FILE: file("token", "s3cret token value\n"), AUTOML_NATS_USER: "w" });
    expect(env.AUTOML_GRPC_TOKEN).toBe("s3cret token value");
    expect(env.AUTOML_NATS_USER).toBe("w");
  });

  it("keeps a PEM's inner newlines", () => {
    const pem = "-----BEGIN X-----\nAAAA\nBBBB\n-----END X-----\n";
    expect(withSecretFiles({ AUTOML_GRPC_TLS_CA_FILE: file("ca.pem", pem) }).AUTOML_GRPC_TLS_CA).toBe(pem.slice(0, -1));
  });

  it("refuses both forms at once, a missing file and an empty one, naming the variable but not the value", () => {
    const token = "value-that-must-not-leak-000";
    expect(() => withSecretFiles({ AUTOML_GRPC_TOKEN: token, AUTOML_GRPC_TOKEN_FILE: file("t2", "x") })).toThrow(
      /AUTOML_GRPC_TOKEN and AUTOML_GRPC_TOKEN_FILE are both set/,
    );
    try {
      withSecretFiles({ AUTOML_GRPC_TOKEN: token, AUTOML_GRPC_TOKEN_FILE: file("t3", "x") });
    } catch (err) {
      expect((err as Error).message).not.toContain(token);
    }
    expect(() => withSecretFiles({ AUTOML_NATS_PASSWORD_FILE: join(dir, "absent") })).toThrow(/AUTOML_NATS_PASSWORD_FILE: cannot read .*absent \(ENOENT\)/);
    expect(() => withSecretFiles({ AUTOML_NATS_PASSWORD_FILE: file("empty", "\n") })).toThrow(/AUTOML_NATS_PASSWORD_FILE: .* is empty/);
  });

  it("parseEnvWith sees file-backed secrets like plain ones and checks them", () => {
    const schema = z.object(commonEnvShape);
    const env = parseEnvWith(schema, { AUTOML_GRPC_TOKEN_FILE: file("good", "0123456789abcdef0123") });
    expect(env.AUTOML_GRPC_TOKEN).toBe("0123456789abcdef0123");
    expect(() => parseEnvWith(schema, { AUTOML_GRPC_TOKEN_FILE: file("short", "short") })).toThrow(/AUTOML_GRPC_TOKEN: must be at least 16 characters/);
    expect(parseEnvWith(schema, { AUTOML_INSECURE: "true" }).AUTOML_INSECURE).toBe(true);
    expect(parseEnvWith(schema, {}).AUTOML_INSECURE).toBe(false);
  });
});

describe("logger redaction", () => {
  it("never writes secret fields, at the top level or one level down", async () => {
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += String(chunk);
        cb();
      },
    });
    const log = createLogger("t", "info", sink);
    const secret = "tok-0123456789-abcdef";
    log.info({ token: secret, trialId: "t1" }, "a");
    log.info({ env: { AUTOML_GRPC_TOKEN: secret, AUTOML_NATS_PASSWORD: secret, AUTOML_NATS_USER: "worker" } }, "b");
    log.info({ nats: { password: secret, user: "worker" }, authorization: `Bearer ${secret}` }, "c");
    await new Promise((r) => setImmediate(r));
    const lines = out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(out).not.toContain(secret);
    // The rest of each record is intact.
    expect(lines[0]).toMatchObject({ token: "[redacted]", trialId: "t1", msg: "a" });
    expect(lines[1]).toMatchObject({ env: { AUTOML_GRPC_TOKEN: "[redacted]", AUTOML_NATS_USER: "worker" } });
    expect(lines[2]).toMatchObject({ nats: { password: "[redacted]", user: "worker" }, authorization: "[redacted]" });
  });
});
