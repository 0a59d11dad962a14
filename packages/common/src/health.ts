import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/**
 * Liveness and readiness over HTTP for orchestrators: `GET /healthz` is 200 while the process
 * serves requests at all; `GET /readyz` is 200 only when `ready()` says the component can work
 * (connected to what it needs), else 503. With a registry, `GET /metrics` serves it in the
 * Prometheus text format.
 */
export async function startHealthServer(
  listen: string,
  ready: () => Promise<boolean> | boolean,
  metrics?: Registry,
): Promise<{ address: string; close(): Promise<void> }> {
  const at = listen.lastIndexOf(":");
  const host = listen.slice(0, at);
  const port = Number(listen.slice(at + 1));
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (path === "/readyz") {
      Promise.resolve()
        .then(ready)
        .catch(() => false)
        .then((ok) => res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ready\n" : "not ready\n"));
      return;
    }
    if (path === "/metrics" && metrics) {
      metrics.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${(err as Error)?.message ?? String(err)}\n`),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { port: number };
  return {
    address: `${host}:${bound.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
