import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer } from "./health";

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
});
