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

/** TLS to NATS: `ca` (PEM) verifies the server instead of the system roots; `cert` + `key` (PEM) are this client's certificate. */
export interface NatsTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** The TLS variables (commonEnvShape, after `<NAME>_FILE` resolution). */
export interface NatsTlsEnv {
  AUTOML_NATS_TLS?: boolean;
  AUTOML_NATS_TLS_CA?: string;
  AUTOML_NATS_TLS_CERT?: string;
  AUTOML_NATS_TLS_KEY?: string;
}

/**
 * TLS settings for NATS from the environment, or undefined for plaintext. Any of the variables
 * turns TLS on (AUTOML_NATS_TLS=true alone: system roots, no client certificate); a certificate
 * without its key, or a key without its certificate, is an error naming both.
 */
export function natsTls(env: NatsTlsEnv): NatsTls | undefined {
  const { AUTOML_NATS_TLS_CA: ca, AUTOML_NATS_TLS_CERT: cert, AUTOML_NATS_TLS_KEY: key } = env;
  if (Boolean(cert) !== Boolean(key)) {
    const [missing, given] = cert ? ["AUTOML_NATS_TLS_KEY", "AUTOML_NATS_TLS_CERT"] : ["AUTOML_NATS_TLS_CERT", "AUTOML_NATS_TLS_KEY"];
    throw new AppError("INVALID_ARGUMENT", `bad environment: ${missing}: required with ${given} (or its _FILE form)`);
  }
  if (!env.AUTOML_NATS_TLS && !ca && !cert) return undefined;
  return { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) };
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
export async function connectNats(opts: { url: string; name: string; credentials?: NatsCredentials; tls?: NatsTls; timeoutMs?: number }): Promise<NatsConnection> {
  try {
    return await connect({
      servers: opts.url,
      name: opts.name,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
      maxReconnectAttempts: -1,
      ...(opts.credentials ? { authenticator: authenticator(opts.credentials) } : {}),
      // An object (even empty) makes nats.js require TLS: never a silent fall back to plaintext.
      ...(opts.tls ? { tls: { ...opts.tls } } : {}),
    });
  } catch (err) {
    let text = `${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? "")} ${(err as { code?: string }).code ?? ""}`;
    // Host names are not evidence (a host named nats-tls): only what the error says.
    for (const server of opts.url.split(",")) {
      const host = /^(?:\w+:\/\/)?(?:[^@/]*@)?([^:/]+)/.exec(server.trim())?.[1];
      if (host) text = text.replaceAll(host, "");
    }
    if (opts.tls && /does not support 'tls'/i.test(text)) {
      throw new AppError("UNAVAILABLE", `NATS at ${opts.url}: the server does not offer TLS, and AUTOML_NATS_TLS / _TLS_CA / _TLS_CERT ask for it`, { cause: err });
    }
    if (/\btls\b|\bssl\b|certificate|self[- ]signed|handshake|UNABLE_TO_VERIFY/i.test(text)) {
      const how = opts.tls
        ? "the TLS handshake failed (check AUTOML_NATS_TLS_CA against the server's certificate, and AUTOML_NATS_TLS_CERT / _KEY if the server verifies clients)"
        : "the server requires TLS (set AUTOML_NATS_TLS_CA, or AUTOML_NATS_TLS=true for a certificate from the system roots)";
      throw new AppError("UNAVAILABLE", `NATS at ${opts.url}: ${how}: ${(err as Error).message}`, { cause: err });
    }
    if (opts.tls && /timeout/i.test(text)) {
      // A server that verifies clients drops a TLS 1.3 client without a certificate after the
      // handshake, which the client only sees as a connection that never answers.
      const hint = opts.tls.cert ? "" : "; if the server verifies clients, set AUTOML_NATS_TLS_CERT + AUTOML_NATS_TLS_KEY";
      throw new AppError("UNAVAILABLE", `NATS at ${opts.url}: no answer over TLS${hint}`, { cause: err });
    }
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
