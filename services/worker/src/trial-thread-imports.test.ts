import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";

// A training thread loads the engine and nothing of the services: not the gRPC stack, the
// logger, the metrics or tfjs (loaded only for AUTOML_BACKEND=tfjs). Every worker start and every
// embedded run pays for what its threads load, on the cores that train (two threads took ~1.9 s
// of CPU to their first trial with all of them, ~1.0 s without). Those packages are CommonJS, so
// they show in the require cache (the workspace's own TypeScript modules do not).
const HEAVY = ["@grpc/grpc-js", "pino", "prom-client", "@tensorflow/tfjs-core", "zod", "@bufbuild/protobuf"];

describe("a training thread", () => {
  it("loads none of the services' dependencies", async () => {
    const w = new Worker(new URL("./trial-thread-imports.probe.mjs", import.meta.url));
    try {
      const loaded = await new Promise<string[]>((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      });
      // The probe sees CommonJS modules at all (tsx's esbuild is one).
      expect(loaded.some((p) => p.includes("/node_modules/esbuild/"))).toBe(true);
      for (const pkg of HEAVY) expect(loaded.filter((p) => p.includes(`/node_modules/${pkg}/`)), pkg).toEqual([]);
    } finally {
      await w.terminate();
    }
  });
});
