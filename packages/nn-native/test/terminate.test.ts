// Cancelling a study terminates the training thread of its running trials, possibly in the
// middle of a native step. That must neither abort the process (an exception that cannot be
// thrown into a terminating thread) nor leak the network's share of the BLAS threads.
import { Worker } from "node:worker_threads";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { requireNative } from "./support";

const native = requireNative();
const ADDON = join(dirname(fileURLToPath(import.meta.url)), "..", "build", "Release", "nn_native.node");

// A 64-128-1 network stepping forever on the addon directly (plain JS: no loader in the thread).
const THREAD = `
const { parentPort } = require("node:worker_threads");
const a = require(${JSON.stringify(ADDON)});
const params = [new Float32Array(64 * 128), new Float32Array(128), new Float32Array(128), new Float32Array(1)];
const net = new a.Net({
  layers: Int32Array.from([64, 128, 128, 0, 1, 0, 1, -1, 128, 1, 1, -1, 1, 2, 3, -1]),
  output: 0, outputDim: 1, leakyAlpha: 0.01, momentum: 0, weightDecay: 0, clipNorm: 0,
  params, grads: params.map((p) => new Float32Array(p.length)), velocity: null,
  decay: Uint8Array.from([1, 0, 1, 0]), sqNorms: new Float64Array(4),
});
const B = 32;
net.setWorkspace({ capacity: B, Z: [new Float32Array(B * 128), new Float32Array(B)], dZ: [new Float32Array(B * 128), new Float32Array(B)],
  A: [new Float32Array(B * 128)], dA: [new Float32Array(B * 128)], winners: [null], out: new Float32Array(B) });
const X = new Float32Array(B * 64).fill(0.1), y = new Float32Array(B).fill(1);
parentPort.postMessage("stepping");
for (;;) net.step(X, y, B, 0.01);
`;

describe.skipIf(!native)("a training thread terminated mid-step", () => {
  it("leaves the process alive and gives its BLAS share back", async () => {
    const { addon } = native!;
    const before = addon.blasThreads().live;
    const w = new Worker(THREAD, { eval: true });
    await new Promise((resolve, reject) => {
      w.once("message", resolve);
      w.once("error", reject);
    });
    expect(addon.blasThreads().live).toBe(before + 1);
    await w.terminate();
    // The thread's environment is torn down asynchronously; its Net's finalizer closes it.
    const deadline = Date.now() + 5_000;
    while (addon.blasThreads().live !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(addon.blasThreads().live).toBe(before);
  });
});
