// The CPU-emulated build of the cuda binding (cuda/binding.cc + kernels.cu against
// cuda/emulate/cuda_runtime.h, compiled with g++), for tests on machines without a GPU. Cached in
// the OS temp folder under a hash of its sources, so a test run compiles it at most once.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const cudaDir = join(dirname(fileURLToPath(import.meta.url)), "..", "cuda");
const SOURCES = ["kernels.cu", "kernels.cuh", "binding.cc", "emulate/cuda_runtime.h", "emulate/build.sh"];

const succeeds = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" }).status === 0;
export const hasGxx = succeeds("g++", ["--version"]) && succeeds("python3", ["--version"]);
/** Where the real addon can run: `nvidia-smi -L` lists a GPU. */
export const hasGpu = succeeds("nvidia-smi", ["-L"]);

/** The emulated addon's path, building it when its sources changed; or why it could not be built. */
export function buildEmulatedCuda(): { path: string; error?: undefined } | { path?: undefined; error: string } {
  const hash = createHash("sha256");
  for (const f of SOURCES) hash.update(f).update(readFileSync(join(cudaDir, f)));
  hash.update(process.version);
  const dir = join(tmpdir(), `nncuda-emulated-${hash.digest("hex").slice(0, 16)}`);
  const path = join(dir, "nn_cuda_emulated.node");
  if (existsSync(path)) return { path };
  // include_dir is relative to the current folder.
  const napi = resolve((createRequire(import.meta.url)("node-addon-api") as { include_dir: string }).include_dir);
  const r = spawnSync("bash", [join(cudaDir, "emulate", "build.sh"), dir, "addon"], {
    encoding: "utf8",
    timeout: 300_000,
    env: { ...process.env, NODE_INCLUDE: join(dirname(process.execPath), "..", "include", "node"), NAPI_INCLUDE: napi },
  });
  if (r.status !== 0) return { error: `emulate/build.sh addon failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}` };
  return { path };
}
