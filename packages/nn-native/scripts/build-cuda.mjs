// Builds the optional cuda addon (build/Release/nn_cuda.node: cuda/kernels.cu + cuda/binding.cc)
// when nvcc is found. Without nvcc (or a host compiler, or node's headers) it prints one line,
// records why in build/cuda-status.json (loadCuda() reports it) and exits 0: the cuda backend is
// optional and nothing else depends on it. npm install never runs this (`npm run build` does).
//
// - cudart is linked statically, so the .node file loads where no CUDA library is on the library
//   path; without a GPU or driver, loadCuda() then says "no CUDA device" instead of failing.
// - GEMM: cuBLAS when cublas_v2.h and libcublas are in the toolkit (linked dynamically, with the
//   toolkit's lib folder as rpath), else the tiled kernel of kernels.cu. NNCUDA_CUBLAS=0 forces
//   the tiled kernel.
// - Architectures: NNCUDA_ARCH (an nvcc -arch value, e.g. sm_90 or native) when set; else SASS
//   for sm_80 and sm_90 (A100, H100/H200) plus PTX for compute_90, which newer GPUs JIT-compile.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const cudaDir = join(pkg, "cuda");
// NNCUDA_BUILD_DIR: another output folder (the build script's own test uses one).
const buildDir = process.env.NNCUDA_BUILD_DIR || join(pkg, "build");
const out = join(buildDir, "Release", "nn_cuda.node");
const statusPath = join(buildDir, "cuda-status.json");

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(statusPath, JSON.stringify(status) + "\n");
}

function skip(reason) {
  rmSync(out, { force: true }); // a stale addon must not outlive the sources it was built from
  writeStatus({ built: false, reason });
  console.log(`@automl/nn-native: cuda addon not built (${reason}); the cuda backend is unavailable, the others are unaffected`);
  process.exit(0);
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: pkg, encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write((r.stdout ?? "") + (r.stderr ?? ""));
    skip(`${what} failed with status ${r.status ?? r.signal}`);
  }
  return r;
}

const which = (cmd) => {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "";
};

// nvcc on PATH, else in CUDA_HOME (toolkits put it on PATH; a guessed folder would make "no
// nvcc" impossible to ask for).
const nvcc = [which("nvcc"), process.env.CUDA_HOME && join(process.env.CUDA_HOME, "bin", "nvcc")].find((p) => p && existsSync(p));
if (!nvcc) skip("nvcc not found");
const gxx = which("g++") || which("c++");
if (!gxx) skip("no C++ compiler");

// The toolkit: where nvcc says it lives (nvcc may be a wrapper script elsewhere), else CUDA_HOME,
// else nvcc's real folder's parent (…/cuda-13.0/bin/nvcc → …/cuda-13.0).
const dry = spawnSync(nvcc, ["--dryrun", "-c", "-x", "cu", "/dev/null", "-o", "/dev/null"], { encoding: "utf8" });
const top = /^#\$ TOP=(.+)$/m.exec(`${dry.stdout ?? ""}${dry.stderr ?? ""}`)?.[1]?.trim();
const roots = [top, process.env.CUDA_HOME, dirname(dirname(realpathSync(nvcc))), "/usr/local/cuda"].filter((r) => r && existsSync(r));
const root = realpathSync(roots.find((r) => existsSync(join(r, "include", "cuda_runtime.h"))) ?? roots[0] ?? "/");
const includeDir = [join(root, "include"), join(root, "targets", "x86_64-linux", "include"), join(root, "targets", "sbsa-linux", "include")].find(
  (d) => existsSync(join(d, "cuda_runtime.h")),
);
if (!includeDir) skip(`cuda_runtime.h not found under ${root}`);
const libDir = [join(root, "lib64"), join(root, "lib"), join(root, "targets", "x86_64-linux", "lib"), join(root, "targets", "sbsa-linux", "lib")].find((d) =>
  existsSync(join(d, "libcudart_static.a")),
);
if (!libDir) skip(`libcudart_static.a not found under ${root}`);

const nodeInclude = join(dirname(process.execPath), "..", "include", "node");
if (!existsSync(join(nodeInclude, "node_api.h"))) skip(`node's headers not found (${nodeInclude}/node_api.h)`);
let napiInclude;
try {
  // include_dir is relative to the current folder; the compilers run in the package's.
  napiInclude = resolve(createRequire(import.meta.url)("node-addon-api").include_dir);
} catch {
  skip("node-addon-api not installed");
}

const cublas =
  process.env.NNCUDA_CUBLAS !== "0" &&
  existsSync(join(includeDir, "cublas_v2.h")) &&
  ["libcublas.so", "libcublas.so.13", "libcublas.so.12"].some((f) => existsSync(join(libDir, f)));
const arch = process.env.NNCUDA_ARCH
  ? [`-arch=${process.env.NNCUDA_ARCH}`]
  : ["-gencode=arch=compute_80,code=sm_80", "-gencode=arch=compute_90,code=sm_90", "-gencode=arch=compute_90,code=compute_90"];

const objDir = join(buildDir, "cuda-obj");
mkdirSync(objDir, { recursive: true });
mkdirSync(dirname(out), { recursive: true });
const kernelsObj = join(objDir, "kernels.o");
const bindingObj = join(objDir, "binding.o");
run(
  nvcc,
  ["-std=c++17", "-O3", "-Xcompiler", "-fPIC", ...arch, ...(cublas ? ["-DNNCUDA_USE_CUBLAS=1"] : []), "-c", join(cudaDir, "kernels.cu"), "-o", kernelsObj],
  "nvcc (cuda/kernels.cu)",
);
// binding.cc is host code: the host compiler, with the toolkit's headers for cuda_runtime.h.
run(
  gxx,
  [
    "-std=c++17",
    "-O2",
    "-fPIC",
    "-DNAPI_VERSION=8",
    "-DNAPI_CPP_EXCEPTIONS",
    "-DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
    "-DNODE_ADDON_API_DISABLE_DEPRECATED",
    `-I${cudaDir}`,
    `-I${includeDir}`,
    `-I${napiInclude}`,
    `-I${nodeInclude}`,
    "-c",
    join(cudaDir, "binding.cc"),
    "-o",
    bindingObj,
  ],
  "g++ (cuda/binding.cc)",
);
const tmp = `${out}.tmp`;
run(
  gxx,
  [
    "-shared",
    kernelsObj,
    bindingObj,
    `-L${libDir}`,
    "-lcudart_static",
    ...(cublas ? ["-lcublas", `-Wl,-rpath,${libDir}`] : []),
    "-ldl",
    "-lrt",
    "-lpthread",
    "-o",
    tmp,
  ],
  "linking nn_cuda.node",
);
renameSync(tmp, out); // never a half-written addon at the path loadCuda() reads

// Load it once in a child process: what this machine's loadCuda() will see.
const probe = spawnSync(process.execPath, ["-e", `console.log(JSON.stringify(require(${JSON.stringify(out)}).device()))`], { encoding: "utf8" });
let device = null;
try {
  device = JSON.parse(probe.stdout.trim());
} catch {
  // reported below
}
const gemm = cublas ? "cuBLAS" : "tiled GEMM, no cuBLAS";
writeStatus({ built: true, gemm: cublas ? "cublas" : "tiled", arch: arch.join(" "), device });
const here = !device
  ? `it does not load here: ${(probe.stderr || "").split("\n").find((l) => l.trim()) ?? `status ${probe.status}`}`
  : device.count > 0
    ? `device: ${device.name}`
    : `no CUDA device here${device.error ? ` (${device.error})` : ""}`;
console.log(`@automl/nn-native: built build/Release/nn_cuda.node (${gemm}; ${here})`);
