import { connect } from "@nats-io/transport-node";
import { credsAuthenticator, nkeyAuthenticator, usernamePasswordAuthenticator, tokenAuthenticator, type Authenticator, type NatsConnection } from "@nats-io/nats-core";
import { AppError } from "@automl/common";

/** How a process authenticates to NATS; one kind at a time. Values are secrets: never log them. */
export type NatsCredentials =
  | { kind: "user"; user: string; password: string }
  | { kind: "token"; token: string }
  | { kind: "nkey"; seed: string }
  /** A `.creds` file's content: a user JWT and its nkey seed (decentralized auth). */
  | { kind: "creds"; creds: string };

/** The variables these come from (commonEnvShape, after `<NAME>_FILE` resolution). */
export interface NatsCredentialsEnv {
  AUTOML_NATS_USER?: string;
  AUTOML_NATS_PASSWORD?: string;
  AUTOML_NATS_TOKEN?: string;
  AUTOML_NATS_NKEY_SEED?: string;
  AUTOML_NATS_CREDS?: string;
}

/** The NATS credentials configured, or undefined for none; two kinds at once or half a pair is an error naming the variables. */
export function natsCredentials(env: NatsCredentialsEnv): NatsCredentials | undefined {
  const kinds: NatsCredentials[] = [];
  const names: string[] = [];
  if (env.AUTOML_NATS_USER !== undefined || env.AUTOML_NATS_PASSWORD !== undefined) {
    if (!env.AUTOML_NATS_USER) throw new AppError("INVALID_ARGUMENT", "bad environment: AUTOML_NATS_USER: required with AUTOML_NATS_PASSWORD");
    if (!env.AUTOML_NATS_PASSWORD) throw new AppError("INVALID_ARGUMENT", "bad environment: AUTOML_NATS_PASSWORD: required with AUTOML_NATS_USER (or AUTOML_NATS_PASSWORD_FILE)");
    kinds.push({ kind: "user", user: env.AUTOML_NATS_USER, password: env.AUTOML_NATS_PASSWORD });
    names.push("AUTOML_NATS_USER/_PASSWORD");
  }
  if (env.AUTOML_NATS_TOKEN) {
    kinds.push({ kind: "token", token: env.AUTOML_NATS_TOKEN });
    names.push("AUTOML_NATS_TOKEN");
  }
  if (env.AUTOML_NATS_NKEY_SEED) {
    if (!/^SU[A-Z2-7]{56}$/.test(env.AUTOML_NATS_NKEY_SEED.trim())) {
      throw new AppError("INVALID_ARGUMENT", "bad environment: AUTOML_NATS_NKEY_SEED: not a user nkey seed (58 characters starting with SU)");
    }
    kinds.push({ kind: "nkey", seed: env.AUTOML_NATS_NKEY_SEED.trim() });
    names.push("AUTOML_NATS_NKEY_SEED");
  }
  if (env.AUTOML_NATS_CREDS) {
    kinds.push({ kind: "creds", creds: env.AUTOML_NATS_CREDS });
    names.push("AUTOML_NATS_CREDS");
  }
  if (kinds.length > 1) throw new AppError("INVALID_ARGUMENT", `bad environment: ${names.join(", ")}: set one kind of NATS credentials, not ${kinds.length}`);
  return kinds[0];
}

function authenticator(c: NatsCredentials): Authenticator {
  const bytes = (s: string) => new TextEncoder().encode(s);
  switch (c.kind) {
    case "user":
      return usernamePasswordAuthenticator(c.user, c.password);
    case "token":
      return tokenAuthenticator(c.token);
    case "nkey":
      return nkeyAuthenticator(bytes(c.seed));
    case "creds":
      return credsAuthenticator(bytes(c.creds));
  }
}

/**
 * Connects to NATS with the given credentials (reconnecting forever once connected). A refused
 * login is an UNAUTHENTICATED AppError that says which kind of credentials was tried (never the
 * secret); other errors (an unreachable server) pass through as nats.js reports them.
 */
export async function connectNats(opts: { url: string; name: string; credentials?: NatsCredentials }): Promise<NatsConnection> {
  try {
    return await connect({
      servers: opts.url,
      name: opts.name,
      maxReconnectAttempts: -1,
      ...(opts.credentials ? { authenticator: authenticator(opts.credentials) } : {}),
    });
  } catch (err) {
    const text = `${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? "")}`;
    if (/authori[sz]ation|authentication/i.test(text)) {
      const tried = opts.credentials ? `${opts.credentials.kind} credentials were refused` : "the server requires credentials and none were given";
      throw new AppError(
        "UNAUTHENTICATED",
        `NATS at ${opts.url}: ${tried} (set AUTOML_NATS_USER + AUTOML_NATS_PASSWORD, AUTOML_NATS_TOKEN, AUTOML_NATS_NKEY_SEED or AUTOML_NATS_CREDS, or their _FILE forms)`,
        { cause: err },
      );
    }
    throw err;
  }
}
