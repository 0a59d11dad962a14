// trial-thread-imports.test.ts runs this in a worker thread: the training thread's modules, as
// trial-thread.mjs loads them, then the CommonJS modules they brought in, posted back.
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import("./trial-thread-main.ts");
parentPort.postMessage(Object.keys(createRequire(import.meta.url).cache));
