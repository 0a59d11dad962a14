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

/** How the coordinator's gRPC server authenticates: TLS when a certificate is given, a bearer token when set. */
export interface GrpcServerSecurity {
  /** Every call must carry `authorization: Bearer <token>`; unset = no check (loopback only, see assertListenerAllowed). */
  token?: string;
  /**
   * PEM certificate chain and private key; unset = plaintext HTTP/2. With `clientCa`, mutual TLS:
   * the handshake fails for a client without a certificate signed by that CA.
   */
  tls?: { cert: string; key: string; clientCa?: string };
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

/**
 * Refuses every call whose metadata lacks `authorization: Bearer <token>` with UNAUTHENTICATED,
 * before the request reaches a handler. The presented value is never logged.
 */
export function bearerTokenInterceptor(token: string, log?: Logger): ServerInterceptor {
  return (method, call) => {
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const header = metadata.get(AUTHORIZATION)[0];
        const presented = typeof header === "string" && header.startsWith("Bearer ") ? header.slice("Bearer ".length) : undefined;
        if (presented !== undefined && sameSecret(presented, token)) {
          next(metadata);
          return;
        }
        const reason = presented === undefined ? "missing bearer token" : "wrong bearer token";
        log?.warn({ method: method.path, peer: call.getPeer(), reason }, "unauthenticated call refused");
        call.sendStatus({ code: GrpcStatus.UNAUTHENTICATED, details: `${reason}: set AUTOML_GRPC_TOKEN to the coordinator's token`, metadata: new Metadata() });
      })
      .build();
    return new ServerInterceptingCall(call, new ResponderBuilder().withStart((next) => next(listener)).build());
  };
}

/** Server options that enforce `sec.token` (none when unset). */
export function serverInterceptors(sec: GrpcServerSecurity, log?: Logger): ServerInterceptor[] {
  return sec.token ? [bearerTokenInterceptor(sec.token, log)] : [];
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
export function assertListenerAllowed(listen: string, sec: GrpcServerSecurity, opts: { insecure?: boolean; log?: Logger } = {}): void {
  const host = listen.slice(0, listen.lastIndexOf(":"));
  if (isLoopbackHost(host)) return;
  // Mutual TLS authenticates every client as well as a token does.
  if (!sec.token && !sec.tls?.clientCa) {
    if (!opts.insecure) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `AUTOML_GRPC_TOKEN: required to listen on ${listen} (not loopback): without it (or mutual TLS, AUTOML_GRPC_TLS_CLIENT_CA) anyone who reaches the port can create studies and report results; set AUTOML_INSECURE=true to allow it anyway`,
      );
    }
    opts.log?.warn({ listen }, "INSECURE: gRPC listens beyond loopback without a token (AUTOML_INSECURE=true); anyone who reaches it can use it");
  } else if (!sec.tls) {
    opts.log?.warn({ listen }, "gRPC beyond loopback without TLS: the bearer token travels in clear text; set AUTOML_GRPC_TLS_CERT and AUTOML_GRPC_TLS_KEY");
  }
}
