import { describe, expect, it } from "vitest";
import { parseEnv } from "../env";
import { isOpen, roleForToken, roleFromSession, signSession } from "../lib/session";

const url = "postgresql://postgres@127.0.0.1:5432/automl";
const ADMIN = "admin-token-0123456789";
const VIEWER = "viewer-token-0123456789";

describe("parseEnv", () => {
  it("accepts a postgres URL; the coordinator address defaults; tokens are optional", () => {
    expect(parseEnv({ AUTOML_DATABASE_URL: url })).toEqual({ AUTOML_DATABASE_URL: url, AUTOML_COORDINATOR_ADDR: "127.0.0.1:50051" });
    expect(parseEnv({ AUTOML_DATABASE_URL: url, AUTOML_COORDINATOR_ADDR: "coord:7000", AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN, AUTOML_DASHBOARD_VIEWER_TOKEN: "" }))
      .toEqual({ AUTOML_DATABASE_URL: url, AUTOML_COORDINATOR_ADDR: "coord:7000", AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN });
  });

  it("names the variable when it is missing or malformed", () => {
    expect(() => parseEnv({})).toThrow("AUTOML_DATABASE_URL: required");
    expect(() => parseEnv({ AUTOML_DATABASE_URL: "mysql://x" })).toThrow("AUTOML_DATABASE_URL: must be a postgresql:// URL");
    expect(() => parseEnv({ AUTOML_DATABASE_URL: url, AUTOML_COORDINATOR_ADDR: "nohost" })).toThrow("AUTOML_COORDINATOR_ADDR: must be host:port");
    expect(() => parseEnv({ AUTOML_DATABASE_URL: url, AUTOML_DASHBOARD_ADMIN_TOKEN: "short" })).toThrow("AUTOML_DASHBOARD_ADMIN_TOKEN: must be at least 16 characters");
    expect(() => parseEnv({ AUTOML_DATABASE_URL: url, AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN, AUTOML_DASHBOARD_VIEWER_TOKEN: ADMIN }))
      .toThrow("AUTOML_DASHBOARD_VIEWER_TOKEN: must differ");
  });
});

describe("sessions", () => {
  const env = { AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN, AUTOML_DASHBOARD_VIEWER_TOKEN: VIEWER };

  it("is open, everyone admin, when no token is configured", () => {
    expect(isOpen({})).toBe(true);
    expect(roleFromSession(undefined, {})).toBe("admin");
    expect(isOpen({ AUTOML_DASHBOARD_VIEWER_TOKEN: VIEWER })).toBe(false);
    expect(roleFromSession(undefined, { AUTOML_DASHBOARD_VIEWER_TOKEN: VIEWER })).toBeNull();
  });

  it("maps tokens to roles", () => {
    expect(roleForToken(ADMIN, env)).toBe("admin");
    expect(roleForToken(VIEWER, env)).toBe("viewer");
    expect(roleForToken("guess", env)).toBeNull();
    expect(roleForToken("", { AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN })).toBeNull();
  });

  it("accepts its own signed, unexpired sessions and nothing else", () => {
    const now = 1_700_000_000;
    const viewer = signSession("viewer", env, now);
    expect(roleFromSession(viewer, env, now + 60)).toBe("viewer");
    expect(roleFromSession(signSession("admin", env, now), env, now)).toBe("admin");
    // A viewer editing the role keeps the viewer's signature, which no longer matches.
    expect(roleFromSession(viewer.replace(/^viewer/, "admin"), env, now)).toBeNull();
    expect(roleFromSession(viewer, env, now + 13 * 3600)).toBeNull();
    // Rotating a token invalidates every session.
    expect(roleFromSession(viewer, { ...env, AUTOML_DASHBOARD_VIEWER_TOKEN: "another-viewer-token-xyz" }, now)).toBeNull();
    expect(roleFromSession("garbage", env, now)).toBeNull();
  });
});

describe("secrets from files", () => {
  it("reads the access tokens and the coordinator's gRPC token from <NAME>_FILE", async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { parseAccessEnv } = await import("../env");
    const dir = mkdtempSync(join(tmpdir(), "dash-secrets-"));
    try {
      writeFileSync(join(dir, "admin"), `${ADMIN}\n`);
      writeFileSync(join(dir, "db"), `${url}\n`);
      expect(parseAccessEnv({ AUTOML_DASHBOARD_ADMIN_TOKEN_FILE: join(dir, "admin") })).toEqual({ AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN });
      expect(parseEnv({ AUTOML_DATABASE_URL_FILE: join(dir, "db") }).AUTOML_DATABASE_URL).toBe(url);
      expect(() => parseAccessEnv({ AUTOML_DASHBOARD_ADMIN_TOKEN: ADMIN, AUTOML_DASHBOARD_ADMIN_TOKEN_FILE: join(dir, "admin") })).toThrow(/both set/);
      expect(() => parseAccessEnv({ AUTOML_DASHBOARD_ADMIN_TOKEN_FILE: join(dir, "missing") })).toThrow(/AUTOML_DASHBOARD_ADMIN_TOKEN_FILE: cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
