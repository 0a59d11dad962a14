import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCertificates {
  /** PEM of the throwaway CA that signed the server certificate. */
  ca: string;
  /** PEM server certificate for localhost / 127.0.0.1, and its key. */
  cert: string;
  key: string;
  /** A client certificate (for mutual TLS; subject `/CN=automl-client/OU=client`, the client role) signed by the same CA, and its key. */
  clientCert: string;
  clientKey: string;
  /** The same as files in `dir` (for `<NAME>_FILE` variables). */
  files: { ca: string; cert: string; key: string; clientCert: string; clientKey: string };
}

/**
 * A throwaway CA, a server certificate for `localhost` and 127.0.0.1 and a client certificate
 * (mutual TLS), made with Debian's
 * openssl in `dir` (valid one day; EC P-256 keys, fast to make). For tests only.
 */
export function makeTestCertificates(dir: string, name = "automl-test"): TestCertificates {
  const f = (n: string) => join(dir, `${name}-${n}`);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "1", "-subj", `/CN=${name} CA`);
  ssl("req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=localhost");
  writeFileSync(f("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  ssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("server.crt"), "-days", "1", "-extfile", f("ext.cnf"));
  ssl("req", ...ec, "-keyout", f("client.key"), "-out", f("client.csr"), "-subj", "/CN=automl-client/OU=client");
  writeFileSync(f("client-ext.cnf"), "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n");
  ssl("x509", "-req", "-in", f("client.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f("client.crt"), "-days", "1", "-extfile", f("client-ext.cnf"));
  const files = { ca: f("ca.crt"), cert: f("server.crt"), key: f("server.key"), clientCert: f("client.crt"), clientKey: f("client.key") };
  const read = (path: string) => readFileSync(path, "utf8");
  return { ca: read(files.ca), cert: read(files.cert), key: read(files.key), clientCert: read(files.clientCert), clientKey: read(files.clientKey), files };
}

/**
 * Another client certificate from the CA `makeTestCertificates(dir, name)` made, with this subject
 * (e.g. `/CN=w1/OU=worker`: mutual TLS maps the OU, or else the CN, to a role). Returns the PEMs.
 */
export function makeClientCertificate(dir: string, name: string, subject: string, label = subject.replace(/[^A-Za-z0-9]+/g, "_")): { cert: string; key: string } {
  const f = (n: string) => join(dir, `${name}-${n}`);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f(`${label}.key`), "-out", f(`${label}.csr`), "-subj", subject);
  ssl("x509", "-req", "-in", f(`${label}.csr`), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial", "-out", f(`${label}.crt`), "-days", "1", "-extfile", f("client-ext.cnf"));
  return { cert: readFileSync(f(`${label}.crt`), "utf8"), key: readFileSync(f(`${label}.key`), "utf8") };
}
