import { describe, expect, it } from "vitest";
import { natsCredentials } from "./nats-auth";

const SEED = `SU${"A".repeat(56)}`;

describe("NATS credentials from the environment", () => {
  it("none, or exactly one kind", () => {
    expect(natsCredentials({})).toBeUndefined();
    expect(natsCredentials({ AUTOML_NATS_USER: "u", AUTOML_NATS_PASSWORD: "p" })).toEqual({ kind: "user", user: "u", password: "p" });
    expect(natsCredentials({ AUTOML_NATS_TOKEN: "t" })).toEqual({ kind: "token", token: "t" });
    expect(natsCredentials({ AUTOML_NATS_NKEY_SEED: `${SEED}\n` })).toEqual({ kind: "nkey", seed: SEED });
    expect(natsCredentials({ AUTOML_NATS_CREDS: "jwt+seed" })).toEqual({ kind: "creds", creds: "jwt+seed" });
  });

  it("half a pair, two kinds or a malformed seed is an error naming the variables", () => {
    expect(() => natsCredentials({ AUTOML_NATS_USER: "u" })).toThrow(/AUTOML_NATS_PASSWORD: required with AUTOML_NATS_USER/);
    expect(() => natsCredentials({ AUTOML_NATS_PASSWORD: "p" })).toThrow(/AUTOML_NATS_USER: required with AUTOML_NATS_PASSWORD/);
    expect(() => natsCredentials({ AUTOML_NATS_TOKEN: "t", AUTOML_NATS_NKEY_SEED: SEED })).toThrow(/AUTOML_NATS_TOKEN, AUTOML_NATS_NKEY_SEED: set one kind/);
    expect(() => natsCredentials({ AUTOML_NATS_NKEY_SEED: "UABC" })).toThrow(/AUTOML_NATS_NKEY_SEED: not a user nkey seed/);
  });
});
