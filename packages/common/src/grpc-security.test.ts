import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InterceptingCall, makeGenericClientConstructor, Server, status as GrpcStatus, type Client, type Interceptor, type ServiceDefinition, type ServiceError } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "./errors";
import {
  assertListenerAllowed,
  grpcClientChannel,
  grpcClientSecurity,
  grpcServerSecurity,
  isLoopbackHost,
  roleOfCertificateSubject,
  serverCredentials,
  serverInterceptors,
  type GrpcClientSecurity,
  type GrpcIdentity,
  type GrpcServerSecurity,
} from "./grpc-security";
import { silentLogger } from "./logger";
import { makeClientCertificate, makeTestCertificates, type TestCertificates } from "./testing";

// A one-method service with raw-bytes (de)serializers: the security layer is independent of protobuf.
const bytes = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
const ECHO: ServiceDefinition = { echo: { path: "/test.Echo/Echo", requestStream: false, responseStream: false, originalName: "echo", ...bytes } };
const EchoClient = makeGenericClientConstructor(ECHO, "Echo");

const TOKEN = "a-test-token-0123456789";
let dir: string;
let certs: TestCertificates;
let handled = 0;
const servers: Server[] = [];
const clients: Client[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "automl-grpc-sec-"));
  certs = makeTestCertificates(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) s.forceShutdown();
});

async function serve(sec: GrpcServerSecurity): Promise<string> {
  const server = new Server({ interceptors: serverInterceptors(sec, silentLogger()) });
  server.addService(ECHO, {
    echo: (call: { request: Buffer }, cb: (e: null, r: Buffer) => void) => {
      handled++;
      cb(null, Buffer.concat([Buffer.from("echo:"), call.request]));
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync("127.0.0.1:0", serverCredentials(sec), (e, p) => (e ? rej(e) : res(p))));
  servers.push(server);
  return `127.0.0.1:${port}`;
}

/** One call; resolves to the reply text or the gRPC status code it failed with (`details` collects the refusals' texts). */
const details: string[] = [];
function call(address: string, sec: GrpcClientSecurity, interceptors?: Interceptor[]): Promise<string | number> {
  const { credentials, options } = grpcClientChannel(sec, { interceptors });
  const client = new EchoClient(address, credentials, options);
  clients.push(client);
  return new Promise((resolve) => {
    (client as unknown as Record<string, (r: Buffer, o: object, cb: (e: ServiceError | null, r?: Buffer) => void) => void>).echo!(
      Buffer.from("hi"),
      { deadline: Date.now() + 10_000 },
      (err, res) => {
        if (err) details.push(err.details);
        resolve(err ? err.code : String(res));
      },
    );
  });
}

describe("gRPC bearer token and TLS, over real sockets", () => {
  it("plaintext with a token: the right token passes, none or a wrong one is UNAUTHENTICATED before the handler runs", async () => {
    const addr = await serve({ token: TOKEN });
    const before = handled;
    expect(await call(addr, {})).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(await call(addr, { token: "wrong-token-0123456789" })).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(handled).toBe(before);
    expect(await call(addr, { token: TOKEN })).toBe("echo:hi");
    expect(handled).toBe(before + 1);
  });

  it("TLS with a token: a client trusting the CA with the token passes; no token, plaintext, or an untrusted certificate fail", async () => {
    const addr = await serve({ token: TOKEN, tls: { cert: certs.cert, key: certs.key } });
    expect(await call(addr, { token: TOKEN, tls: { ca: certs.ca } })).toBe("echo:hi");
    expect(await call(addr, { tls: { ca: certs.ca } })).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(await call(addr, { token: "wrong-token-0123456789", tls: { ca: certs.ca } })).toBe(GrpcStatus.UNAUTHENTICATED);
    // Plaintext HTTP/2 to the TLS port never gets a response.
    expect(await call(addr, { token: TOKEN })).toBe(GrpcStatus.UNAVAILABLE);
    // A client that trusts only the system roots (or another CA) refuses the server's certificate.
    const other = makeTestCertificates(dir, "other");
    expect(await call(addr, { token: TOKEN, tls: { ca: other.ca } })).toBe(GrpcStatus.UNAVAILABLE);
    expect(await call(addr, { token: TOKEN, tls: {} })).toBe(GrpcStatus.UNAVAILABLE);
  });

  it("mutual TLS: only a client presenting a certificate from the client CA gets through", async () => {
    const addr = await serve({ tls: { cert: certs.cert, key: certs.key, clientCa: certs.ca } });
    const before = handled;
    expect(await call(addr, { tls: { ca: certs.ca } })).toBe(GrpcStatus.UNAVAILABLE);
    const other = makeTestCertificates(dir, "mtls-other");
    expect(await call(addr, { tls: { ca: certs.ca, cert: other.clientCert, key: other.clientKey } })).toBe(GrpcStatus.UNAVAILABLE);
    expect(handled).toBe(before);
    expect(await call(addr, { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } })).toBe("echo:hi");
  });

  it("the caller's own client interceptors run alongside the token, over plaintext and TLS", async () => {
    let seen = 0;
    const counting: Interceptor = (options, nextCall) => {
      seen++;
      return new InterceptingCall(nextCall(options));
    };
    const plain = await serve({ token: TOKEN });
    expect(await call(plain, { token: TOKEN }, [counting])).toBe("echo:hi");
    const tls = await serve({ token: TOKEN, tls: { cert: certs.cert, key: certs.key } });
    expect(await call(tls, { token: TOKEN, tls: { ca: certs.ca } }, [counting])).toBe("echo:hi");
    expect(seen).toBe(2);
  });

  it("without a token configured the server stays open (the embedded, loopback-only mode)", async () => {
    const addr = await serve({});
    expect(await call(addr, {})).toBe("echo:hi");
    expect(await call(addr, { token: TOKEN })).toBe("echo:hi");
  });
});

describe("roles: role tokens, the legacy token as admin, certificate subjects", () => {
  const WORKER = "worker-secret-0123456789abcdef";
  const VIEWER = "viewer-secret-0123456789abcdef";
  // The credential store as the coordinator's Credential table answers it (that table is tested in
  // services/coordinator/test/integration/roles.test.ts); here only the interceptor's rules.
  const issued = new Map<string, GrpcIdentity>([
    [WORKER, { role: "worker", name: "w1" }],
    [VIEWER, { role: "viewer", name: "v1" }],
  ]);
  const roleTokens = { lookup: async (t: string) => issued.get(t), inUse: async () => issued.size > 0 };
  const workerOnly = { [ECHO.echo!.path]: ["worker"] } as const;

  it("a method admits its roles and admin; another role is PERMISSION_DENIED naming the role needed, an unknown token UNAUTHENTICATED", async () => {
    const addr = await serve({ token: TOKEN, roleTokens, methodRoles: workerOnly });
    const before = handled;
    details.length = 0;
    expect(await call(addr, { token: VIEWER })).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await call(addr, { token: "unknown-secret-0123456789" })).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(await call(addr, {})).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(handled).toBe(before);
    expect(details[0]).toBe("this call needs the worker role; this caller has the viewer role");
    for (const d of details) for (const secret of [VIEWER, "unknown-secret-0123456789", TOKEN]) expect(d).not.toContain(secret);
    expect(await call(addr, { token: WORKER })).toBe("echo:hi");
    // The legacy shared token is admin: it may call everything.
    expect(await call(addr, { token: TOKEN })).toBe("echo:hi");
  });

  it("a method missing from the table is admin-only; without a table every authenticated caller passes", async () => {
    const adminOnly = await serve({ token: TOKEN, roleTokens, methodRoles: {} });
    details.length = 0;
    expect(await call(adminOnly, { token: WORKER })).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(details[0]).toMatch(/needs the admin role/);
    expect(await call(adminOnly, { token: TOKEN })).toBe("echo:hi");
    const any = await serve({ roleTokens });
    expect(await call(any, { token: VIEWER })).toBe("echo:hi");
  });

  it("once a role token is issued, calls must authenticate even with no shared token; before, the server is open", async () => {
    const none = new Map<string, GrpcIdentity>();
    const addr = await serve({ roleTokens: { lookup: async (t) => none.get(t), inUse: async () => none.size > 0 }, methodRoles: workerOnly });
    expect(await call(addr, {})).toBe("echo:hi");
    expect(await call(addr, { token: "anything-0123456789" })).toBe("echo:hi");
    none.set(VIEWER, { role: "viewer", name: "v1" });
    expect(await call(addr, {})).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(await call(addr, { token: VIEWER })).toBe(GrpcStatus.PERMISSION_DENIED);
  });

  it("mutual TLS: the certificate's OU (or else CN) names the role; a certificate naming none is refused", async () => {
    const addr = await serve({ tls: { cert: certs.cert, key: certs.key, clientCa: certs.ca }, methodRoles: workerOnly });
    const cert = (subject: string) => ({ ca: certs.ca, ...makeClientCertificate(dir, "automl-test", subject) });
    details.length = 0;
    expect(await call(addr, { tls: cert("/CN=pod-7/OU=worker") })).toBe("echo:hi");
    expect(await call(addr, { tls: cert("/CN=worker") })).toBe("echo:hi");
    expect(await call(addr, { tls: cert("/CN=laptop/OU=viewer") })).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await call(addr, { tls: cert("/CN=automl-worker/OU=ml-team") })).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(details).toEqual(["this call needs the worker role; this caller has the viewer role", "client certificate names no role: issue it with OU=worker, client, viewer or admin"]);
    // A bearer token, when presented, decides over the certificate.
    const both = await serve({ tls: { cert: certs.cert, key: certs.key, clientCa: certs.ca }, roleTokens, methodRoles: workerOnly });
    expect(await call(both, { token: WORKER, tls: cert("/CN=laptop/OU=viewer") })).toBe("echo:hi");
  });

  it("subjects to roles", () => {
    expect(roleOfCertificateSubject({ OU: "worker", CN: "viewer" })).toBe("worker");
    expect(roleOfCertificateSubject({ OU: ["ml-team", "Client"] })).toBe("client");
    expect(roleOfCertificateSubject({ OU: "ml-team", CN: "viewer" })).toBe("viewer");
    expect(roleOfCertificateSubject({ CN: "automl-worker" })).toBeUndefined();
    expect(roleOfCertificateSubject(undefined)).toBeUndefined();
  });
});

describe("security settings", () => {
  it("a certificate needs its key and vice versa; clients use TLS with a CA or AUTOML_GRPC_TLS", () => {
    expect(() => grpcServerSecurity({ AUTOML_GRPC_TLS_CERT: "x" })).toThrow(/AUTOML_GRPC_TLS_KEY: required with AUTOML_GRPC_TLS_CERT/);
    expect(() => grpcServerSecurity({ AUTOML_GRPC_TLS_KEY: "x" })).toThrow(/AUTOML_GRPC_TLS_CERT: required with AUTOML_GRPC_TLS_KEY/);
    expect(grpcServerSecurity({ AUTOML_GRPC_TOKEN: TOKEN })).toEqual({ token: TOKEN, tls: undefined });
    expect(grpcClientSecurity({ AUTOML_GRPC_TLS_CA: "pem" })).toEqual({ token: undefined, tls: { ca: "pem" } });
    expect(grpcClientSecurity({ AUTOML_GRPC_TLS: true })).toEqual({ token: undefined, tls: { ca: undefined } });
    expect(grpcClientSecurity({})).toEqual({ token: undefined, tls: undefined });
    expect(grpcClientSecurity({ AUTOML_GRPC_TLS_CLIENT_CERT: "c", AUTOML_GRPC_TLS_CLIENT_KEY: "k" })).toEqual({ token: undefined, tls: { cert: "c", key: "k" } });
    expect(() => grpcClientSecurity({ AUTOML_GRPC_TLS_CLIENT_CERT: "c" })).toThrow(/AUTOML_GRPC_TLS_CLIENT_KEY: required with AUTOML_GRPC_TLS_CLIENT_CERT/);
    expect(() => grpcServerSecurity({ AUTOML_GRPC_TLS_CLIENT_CA: "ca" })).toThrow(/AUTOML_GRPC_TLS_CLIENT_CA: mutual TLS needs AUTOML_GRPC_TLS_CERT/);
    expect(grpcServerSecurity({ AUTOML_GRPC_TLS_CERT: "c", AUTOML_GRPC_TLS_KEY: "k", AUTOML_GRPC_TLS_CLIENT_CA: "ca" })).toEqual({ token: undefined, tls: { cert: "c", key: "k", clientCa: "ca" } });
  });

  it("a malformed certificate is a clear configuration error", () => {
    expect(() => serverCredentials({ tls: { cert: "not a pem", key: "nor this" } })).toThrow(AppError);
  });

  it("loopback hosts", () => {
    for (const h of ["127.0.0.1", "127.3.2.1", "localhost", "::1", "[::1]"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "10.77.0.2", "::", "coordinator", "128.0.0.1"]) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("beyond loopback the coordinator needs a token unless AUTOML_INSECURE=true", () => {
    expect(() => assertListenerAllowed("0.0.0.0:50051", {})).toThrow(/AUTOML_GRPC_TOKEN: required to listen on 0\.0\.0\.0:50051/);
    expect(() => assertListenerAllowed("[::]:50051", {})).toThrow(/AUTOML_GRPC_TOKEN/);
    expect(() => assertListenerAllowed("0.0.0.0:50051", {}, { insecure: true })).not.toThrow();
    expect(() => assertListenerAllowed("0.0.0.0:50051", { token: TOKEN })).not.toThrow();
    expect(() => assertListenerAllowed("0.0.0.0:50051", { tls: { cert: "c", key: "k" } })).toThrow(/AUTOML_GRPC_TOKEN/);
    expect(() => assertListenerAllowed("0.0.0.0:50051", { tls: { cert: "c", key: "k", clientCa: "ca" } })).not.toThrow();
    expect(() => assertListenerAllowed("127.0.0.1:0", {})).not.toThrow();
  });
});
