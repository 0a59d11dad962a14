import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { createSecureContext } from "node:tls";
import {
  credentials,
  InterceptingCall,
  Metadata,
  ResponderBuilder,
  ServerCredentials,
  ServerInterceptingCall,
  ServerListenerBuilder,
  status as GrpcStatus,
  type ChannelCredentials,
  type ClientOptions,
  type Interceptor,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import { AppError } from "./errors";
import type { Logger } from "./logger";

/**
 * Who may call what (docs/operations.md "Security"): `worker` reports trials, `client` creates,
 * reads and cancels studies, `viewer` only reads; `admin` may call everything (the legacy shared
 * AUTOML_GRPC_TOKEN, the embedded stack's per-run token, and an open loopback coordinator).
 */
export const GRPC_ROLES = ["admin", "worker", "client", "viewer"] as const;
export type GrpcRole = (typeof GRPC_ROLES)[number];

/** An authenticated caller: its role and, for logs, the name of its credential (never the secret). */
export interface GrpcIdentity {
  role: GrpcRole;
  name: string;
}

/** Role tokens issued by the operator (the coordinator's Credential table, see `automl token`). */
export interface RoleTokenLookup {
  /** The identity a presented bearer token stands for; undefined when unknown or revoked. */
  lookup(token: string): Promise<GrpcIdentity | undefined>;
  /** Whether any role token was ever issued: then calls must authenticate even on an otherwise open loopback coordinator. */
  inUse(): Promise<boolean>;
}

/** How the coordinator's gRPC server authenticates: TLS when a certificate is given, a bearer token when set. */
export interface GrpcServerSecurity {
  /**
   * The legacy shared token: a call carrying `authorization: Bearer <token>` is `admin`. With none
   * of `token`, `tls.clientCa` and issued role tokens, calls are not checked (loopback only, see
   * assertListenerAllowed).
   */
  token?: string;
  /**
   * PEM certificate chain and private key; unset = plaintext HTTP/2. With `clientCa`, mutual TLS:
   * the handshake fails for a client without a certificate signed by that CA, and the role is the
   * one the certificate's subject names (roleOfCertificateSubject).
   */
  tls?: { cert: string; key: string; clientCa?: string };
  /** Role tokens besides `token`. */
  roleTokens?: RoleTokenLookup;
  /**
   * The roles (besides admin, which may call everything) allowed each method, by its full path
   * (`/automl.v1.Coordinator/CreateStudy`); a method not listed is admin-only. Unset: every
   * authenticated caller may call every method.
   */
  methodRoles?: Readonly<Record<string, readonly GrpcRole[]>>;
}

/** How a client (worker, CLI, dashboard) reaches the coordinator. */
export interface GrpcClientSecurity {
  token?: string;
  /** Use TLS; `ca` (PEM) replaces the system roots, for a private CA; `cert` + `key`: this client's certificate (mTLS). */
  tls?: { ca?: string; cert?: string; key?: string };
}

/** The settings these come from (a subset of commonEnvShape, after `<NAME>_FILE` resolution). */
export interface GrpcSecurityEnv {
  AUTOML_GRPC_TOKEN?: string;
  AUTOML_GRPC_TLS_CERT?: string;
  AUTOML_GRPC_TLS_KEY?: string;
  AUTOML_GRPC_TLS_CA?: string;
  AUTOML_GRPC_TLS?: boolean;
  AUTOML_GRPC_TLS_CLIENT_CA?: string;
  AUTOML_GRPC_TLS_CLIENT_CERT?: string;
  AUTOML_GRPC_TLS_CLIENT_KEY?: string;
}

/** Both or neither of a certificate and its key. */
function pair(certName: string, cert: string | undefined, keyName: string, key: string | undefined): void {
  if (Boolean(cert) === Boolean(key)) return;
  const [missing, given] = cert ? [keyName, certName] : [certName, keyName];
  throw new AppError("INVALID_ARGUMENT", `bad environment: ${missing}: required with ${given} (or its _FILE form)`);
}

export function grpcServerSecurity(env: GrpcSecurityEnv): GrpcServerSecurity {
  const { AUTOML_GRPC_TLS_CERT: cert, AUTOML_GRPC_TLS_KEY: key, AUTOML_GRPC_TLS_CLIENT_CA: clientCa } = env;
  pair("AUTOML_GRPC_TLS_CERT", cert, "AUTOML_GRPC_TLS_KEY", key);
  if (clientCa && !cert) throw new AppError("INVALID_ARGUMENT", "bad environment: AUTOML_GRPC_TLS_CLIENT_CA: mutual TLS needs AUTOML_GRPC_TLS_CERT and AUTOML_GRPC_TLS_KEY too");
  return { token: env.AUTOML_GRPC_TOKEN, tls: cert && key ? { cert, key, clientCa } : undefined };
}

export function grpcClientSecurity(env: GrpcSecurityEnv): GrpcClientSecurity {
  const { AUTOML_GRPC_TLS_CLIENT_CERT: cert, AUTOML_GRPC_TLS_CLIENT_KEY: key } = env;
  pair("AUTOML_GRPC_TLS_CLIENT_CERT", cert, "AUTOML_GRPC_TLS_CLIENT_KEY", key);
  const tls = env.AUTOML_GRPC_TLS || env.AUTOML_GRPC_TLS_CA || cert ? { ca: env.AUTOML_GRPC_TLS_CA, cert, key } : undefined;
  return { token: env.AUTOML_GRPC_TOKEN, tls };
}

export function serverCredentials(sec: GrpcServerSecurity = {}): ServerCredentials {
  if (!sec.tls) return ServerCredentials.createInsecure();
  try {
    // grpc-js only reads the PEMs when the port binds; checking here names the settings at start.
    createSecureContext({ cert: sec.tls.cert, key: sec.tls.key, ca: sec.tls.clientCa });
    const clientCa = sec.tls.clientCa ? Buffer.from(sec.tls.clientCa) : null;
    return ServerCredentials.createSsl(clientCa, [{ cert_chain: Buffer.from(sec.tls.cert), private_key: Buffer.from(sec.tls.key) }], clientCa !== null);
  } catch (err) {
    throw new AppError("INVALID_ARGUMENT", `bad environment: AUTOML_GRPC_TLS_CERT / AUTOML_GRPC_TLS_KEY: ${(err as Error).message}`, { cause: err });
  }
}

const AUTHORIZATION = "authorization";

/** Equal-length digests, so the comparison takes the same time whatever the guess. */
function sameSecret(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db);
}

const isRole = (v: string): v is GrpcRole => (GRPC_ROLES as readonly string[]).includes(v);

/**
 * The role a client certificate's subject names: its OU (organizational unit) if one is a role
 * name, else its CN if that is one (`OU=worker`, `CN=viewer`); undefined when neither is.
 */
export function roleOfCertificateSubject(subject: { OU?: string | string[]; CN?: string | string[] } | undefined): GrpcRole | undefined {
  const all = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((x) => x.trim().toLowerCase());
  return all(subject?.OU).find(isRole) ?? all(subject?.CN).find(isRole);
}

/** "worker", "client or viewer": the roles a method admits, for a refusal. */
function rolesText(roles: readonly GrpcRole[]): string {
  const r = roles.length ? roles : (["admin"] as const);
  return r.length === 1 ? r[0]! : `${r.slice(0, -1).join(", ")} or ${r[r.length - 1]}`;
}

/**
 * Authenticates and authorizes every call before the request reaches a handler. The caller is the
 * legacy `token` (admin), a role token (`roleTokens`), or, without a bearer token, the role its
 * mutual-TLS certificate names; none of these, when authentication is required, is
 * UNAUTHENTICATED, and a role the method does not admit is PERMISSION_DENIED naming the role
 * needed. The presented value is never logged or echoed.
 */
export function authInterceptor(sec: GrpcServerSecurity, log?: Logger): ServerInterceptor {
  const mtls = Boolean(sec.tls?.clientCa);
  const identify = async (header: unknown, cert: { OU?: string | string[]; CN?: string | string[] } | undefined): Promise<GrpcIdentity | { refuse: "UNAUTHENTICATED" | "PERMISSION_DENIED"; reason: string }> => {
    const presented = typeof header === "string" && header.startsWith("Bearer ") ? header.slice("Bearer ".length) : undefined;
    // Nothing configured and no role token issued: the open loopback mode, whatever a caller sends.
    const required = async () => Boolean(sec.token || mtls || (await sec.roleTokens?.inUse()));
    const open: GrpcIdentity = { role: "admin", name: "open (no credentials configured)" };
    if (presented !== undefined) {
      if (sec.token && sameSecret(presented, sec.token)) return { role: "admin", name: "AUTOML_GRPC_TOKEN" };
      const found = await sec.roleTokens?.lookup(presented);
      if (found) return found;
      return (await required()) ? { refuse: "UNAUTHENTICATED", reason: "wrong bearer token" } : open;
    }
    if (mtls && cert) {
      const role = roleOfCertificateSubject(cert);
      if (role) return { role, name: `certificate CN=${String(cert.CN ?? "")}` };
      return { refuse: "PERMISSION_DENIED", reason: "client certificate names no role" };
    }
    return (await required()) ? { refuse: "UNAUTHENTICATED", reason: "missing bearer token" } : open;
  };
  return (method, call) => {
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const refuse = (code: GrpcStatus, details: string) => call.sendStatus({ code, details, metadata: new Metadata() });
        const cert = mtls ? call.getAuthContext()?.sslPeerCertificate?.subject : undefined;
        identify(metadata.get(AUTHORIZATION)[0], cert).then(
          (who) => {
            if ("refuse" in who) {
              log?.warn({ method: method.path, peer: call.getPeer(), reason: who.reason }, who.refuse === "UNAUTHENTICATED" ? "unauthenticated call refused" : "call refused: no role");
              if (who.refuse === "UNAUTHENTICATED") refuse(GrpcStatus.UNAUTHENTICATED, `${who.reason}: set AUTOML_GRPC_TOKEN to a token the coordinator accepts (AUTOML_GRPC_TOKEN of the coordinator, or one from \`automl token create\`)`);
              else refuse(GrpcStatus.PERMISSION_DENIED, `${who.reason}: issue it with OU=worker, client, viewer or admin`);
              return;
            }
            const allowed = sec.methodRoles ? (sec.methodRoles[method.path] ?? []) : undefined;
            if (who.role !== "admin" && allowed && !allowed.includes(who.role)) {
              log?.warn({ method: method.path, peer: call.getPeer(), role: who.role, credential: who.name }, "call refused: role not allowed");
              refuse(GrpcStatus.PERMISSION_DENIED, `this call needs the ${rolesText(allowed)} role; this caller has the ${who.role} role`);
              return;
            }
            next(metadata);
          },
          (err: unknown) => {
            // The credential store could not answer (database down): the call cannot be authorized now.
            log?.error({ method: method.path, err: (err as Error).message }, "credentials could not be checked");
            refuse(GrpcStatus.UNAVAILABLE, "credentials could not be checked; try again");
          },
        );
      })
      .build();
    return new ServerInterceptingCall(call, new ResponderBuilder().withStart((next) => next(listener)).build());
  };
}

/** Server options that enforce `sec` (none when nothing is configured: the open loopback mode). */
export function serverInterceptors(sec: GrpcServerSecurity, log?: Logger): ServerInterceptor[] {
  return sec.token || sec.tls?.clientCa || sec.roleTokens ? [authInterceptor(sec, log)] : [];
}

/**
 * Channel credentials and options for a ts-proto client: `new XClient(addr, c.credentials, c.options)`.
 * Over TLS the token rides as call credentials, which grpc-js only ever sends on a secure channel;
 * over plaintext (loopback, the embedded stack) an interceptor adds the same header.
 */
export function grpcClientChannel(
  sec: GrpcClientSecurity = {},
  extra: { interceptors?: Interceptor[] } = {},
): { credentials: ChannelCredentials; options: Partial<ClientOptions> } {
  const bearer = sec.token ? `Bearer ${sec.token}` : undefined;
  // The caller's own interceptors (e.g. metrics) are kept: options.interceptors is one list.
  const options = (own: Interceptor[] = []): Partial<ClientOptions> => {
    const all = [...own, ...(extra.interceptors ?? [])];
    return all.length ? { interceptors: all } : {};
  };
  if (sec.tls) {
    const pem = (s: string | undefined) => (s ? Buffer.from(s) : null);
    const ssl = credentials.createSsl(pem(sec.tls.ca), pem(sec.tls.key), pem(sec.tls.cert));
    if (!bearer) return { credentials: ssl, options: options() };
    const callCreds = credentials.createFromMetadataGenerator((_params, cb) => {
      const md = new Metadata();
      md.set(AUTHORIZATION, bearer);
      cb(null, md);
    });
    return { credentials: credentials.combineChannelCredentials(ssl, callCreds), options: options() };
  }
  if (!bearer) return { credentials: credentials.createInsecure(), options: options() };
  const addToken: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(AUTHORIZATION, bearer);
        next(metadata, listener);
      },
    });
  return { credentials: credentials.createInsecure(), options: options([addToken]) };
}

/** 127.0.0.0/8, ::1 and `localhost`: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/**
 * The coordinator's rule: beyond loopback, calls must carry a token — unless the operator says
 * AUTOML_INSECURE=true (e.g. a private network with its own protection). A token without TLS
 * beyond loopback travels in clear text, which is allowed but logged loudly.
 */
export function assertListenerAllowed(listen: string, sec: GrpcServerSecurity, opts: { insecure?: boolean; log?: Logger; roleTokensIssued?: boolean } = {}): void {
  const host = listen.slice(0, listen.lastIndexOf(":"));
  if (isLoopbackHost(host)) return;
  // Mutual TLS authenticates every client as well as a token does; so do issued role tokens.
  if (!sec.token && !sec.tls?.clientCa && !opts.roleTokensIssued) {
    if (!opts.insecure) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `AUTOML_GRPC_TOKEN: required to listen on ${listen} (not loopback): without it (or mutual TLS, AUTOML_GRPC_TLS_CLIENT_CA, or role tokens from \`automl token create\`) anyone who reaches the port can create studies and report results; set AUTOML_INSECURE=true to allow it anyway`,
      );
    }
    opts.log?.warn({ listen }, "INSECURE: gRPC listens beyond loopback without a token (AUTOML_INSECURE=true); anyone who reaches it can use it");
  } else if (!sec.tls) {
    opts.log?.warn({ listen }, "gRPC beyond loopback without TLS: the bearer token travels in clear text; set AUTOML_GRPC_TLS_CERT and AUTOML_GRPC_TLS_KEY");
  }
}
