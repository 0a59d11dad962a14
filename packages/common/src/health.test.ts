import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer } from "./health";
import { Counter, createMetricsRegistry } from "./metrics";

describe("health server", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("answers liveness always and readiness as the component reports", async () => {
    let ready = false;
    const h = await startHealthServer("127.0.0.1:0", () => ready);
    close = h.close;
    const get = async (path: string) => (await fetch(`http://${h.address}${path}`)).status;
    expect(await get("/healthz")).toBe(200);
    expect(await get("/readyz")).toBe(503);
    ready = true;
    expect(await get("/readyz")).toBe(200);
    expect(await get("/nope")).toBe(404);
  });

  it("reports not ready when the readiness check throws", async () => {
    const h = await startHealthServer("127.0.0.1:0", async () => {
      throw new Error("db down");
    });
    close = h.close;
    expect((await fetch(`http://${h.address}/readyz`)).status).toBe(503);
  });

  it("serves its registry at /metrics in the Prometheus text format, and 404 without one", async () => {
    const registry = createMetricsRegistry("worker");
    const c = new Counter({ name: "automl_test_things_total", help: "things", labelNames: ["kind"], registers: [registry] });
    c.inc({ kind: "a" }, 3);
    const h = await startHealthServer("127.0.0.1:0", () => true, registry);
    close = h.close;
    const res = await fetch(`http://${h.address}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('automl_test_things_total{kind="a",component="worker"} 3');
    expect(text).toMatch(/^automl_process_resident_memory_bytes\{component="worker"\} \d+/m);
    const bare = await startHealthServer("127.0.0.1:0", () => true);
    expect((await fetch(`http://${bare.address}/metrics`)).status).toBe(404);
    await bare.close();
  });
});
