// Builds the optional addon. The native backend is optional: without a C++ compiler or
// OpenBLAS this prints one line and exits 0, and the engine trains in TypeScript.
// (npm 11 blocks install scripts here, so the addon is built by `npm run build`, which turbo
// runs before tests and `npm start`.)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const HINT = "to enable it: apt-get install libopenblas-dev && npm run build -w @automl/nn-native";

function skip(reason) {
  console.log(`@automl/nn-native: not built (${reason}); the engine will train in TypeScript — ${HINT}`);
  process.exit(0);
}

const has = (cmd) => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;
if (!has("g++") && !has("c++")) skip("no C++ compiler");
if (!has("make")) skip("no make");
const CBLAS = ["/usr/include/cblas.h", "/usr/include/x86_64-linux-gnu/cblas.h", "/usr/include/aarch64-linux-gnu/cblas.h", "/usr/include/openblas/cblas.h"];
if (!CBLAS.some((p) => existsSync(p))) skip("cblas.h not found");
const ldconfig = spawnSync("/sbin/ldconfig", ["-p"], { encoding: "utf8" });
const LIBDIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/usr/local/lib"];
if (!(ldconfig.stdout ?? "").includes("libopenblas.so") && !LIBDIRS.some((d) => existsSync(join(d, "libopenblas.so")))) {
  skip("libopenblas not found");
}

// node-gyp: a local install if there is one, else the copy bundled with npm (next to node).
const candidates = [
  join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
  "/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
];
try {
  candidates.unshift(createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js"));
} catch {
  // not installed locally
}
const gyp = candidates.find((p) => existsSync(p)) ?? "";
if (!existsSync(gyp)) skip("node-gyp not found");

// Build against the running node's own headers when they are installed (offline machines):
// node-gyp would otherwise try to download them.
const nodeRoot = join(dirname(process.execPath), "..");
const nodedir = existsSync(join(nodeRoot, "include", "node", "node_api.h")) ? [`--nodedir=${nodeRoot}`] : [];
const r = spawnSync(process.execPath, [gyp, "rebuild", "--loglevel=warn", ...nodedir], { cwd: pkg, stdio: ["ignore", "inherit", "inherit"] });
if (r.status !== 0) skip(`node-gyp failed with status ${r.status}`);
console.log("@automl/nn-native: built build/Release/nn_native.node");
