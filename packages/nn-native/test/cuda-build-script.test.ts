// scripts/build-cuda.mjs (run by `npm run build`): optional like the native build. Without nvcc
// it prints one line, records why (loadCuda() reports it) and exits 0. With nvcc (CI has it, no
// GPU) it builds an addon that loads with no CUDA library on the library path — cudart is linked
// statically — and says there is no device instead of failing. Both build into a temp folder.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const script = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "build-cuda.mjs");
const work = mkdtempSync(join(tmpdir(), "nncuda-build-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const hasNvcc = spawnSync("nvcc", ["--version"]).status === 0;
const hasGpu = spawnSync("nvidia-smi", ["-L"]).status === 0;

describe("scripts/build-cuda.mjs", () => {
  it("without nvcc: exit 0, one line saying so, and the reason recorded for loadCuda()", () => {
    const dir = join(work, "no-nvcc");
    const r = spawnSync(process.execPath, [script], { env: { PATH: "/nonexistent", NNCUDA_BUILD_DIR: dir }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([
      "@automl/nn-native: cuda addon not built (nvcc not found); the cuda backend is unavailable, the others are unaffected",
    ]);
    expect(JSON.parse(readFileSync(join(dir, "cuda-status.json"), "utf8"))).toEqual({ built: false, reason: "nvcc not found" });
  });

  const nvccNote = hasNvcc ? "" : " (skipped: no nvcc on PATH)";
  it.skipIf(!hasNvcc)(`with nvcc: an addon that loads without CUDA libraries on the path and reports the device count${nvccNote}`, () => {
    const dir = join(work, "nvcc");
    const r = spawnSync(process.execPath, [script], { env: { ...process.env, NNCUDA_BUILD_DIR: dir, NNCUDA_ARCH: "sm_90" }, encoding: "utf8", timeout: 400_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^@automl\/nn-native: built build\/Release\/nn_cuda\.node \((cuBLAS|tiled GEMM, no cuBLAS); /);
    const addon = join(dir, "Release", "nn_cuda.node");
    const env = { PATH: process.env.PATH ?? "", LD_LIBRARY_PATH: "" };
    const probe = spawnSync(process.execPath, ["-e", `console.log(JSON.stringify(require(${JSON.stringify(addon)}).device()))`], { env, encoding: "utf8" });
    expect(probe.status, probe.stderr).toBe(0);
    const device = JSON.parse(probe.stdout.trim()) as { count: number; emulated: boolean; error?: string };
    expect(device.emulated).toBe(false);
    if (!hasGpu) {
      expect(device.count).toBe(0);
      expect(device.error).toEqual(expect.any(String)); // CUDA's own reason, e.g. no driver
    }
    const ldd = spawnSync("ldd", [addon], { encoding: "utf8" });
    if (ldd.status === 0) expect(ldd.stdout).not.toMatch(/libcudart/);
    expect(JSON.parse(readFileSync(join(dir, "cuda-status.json"), "utf8"))).toMatchObject({ built: true });
  }, 450_000);
});
