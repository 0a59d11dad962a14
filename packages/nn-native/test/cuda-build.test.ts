// The CUDA check's pieces that run without a GPU, plus the check itself where a GPU exists.
// - make-vectors.ts must reproduce the committed vectors.bin byte for byte (the GPU machine has
//   no Node, so the file is committed; this keeps it from going stale when a reference kernel changes).
// - With nvcc on PATH (CI has it), kernels.cu and driver.cpp must compile and link (no GPU needed)
//   and the driver must parse the committed vectors (--parse-only: writer and reader agree).
// - The same driver built with g++ against cuda/emulate (a CPU stand-in for the CUDA runtime)
//   must pass every case: the kernels' formulas and indexing, checked without a GPU.
// - The driver's comparison against the reference runs only where `nvidia-smi -L` succeeds. That
//   test is registered only there, rather than skipped elsewhere, so machines without a GPU (all
//   but the rare GPU machine) count no skipped test; cuda/check.sh is the one command on it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const cudaDir = join(dirname(fileURLToPath(import.meta.url)), "..", "cuda");
const vectors = join(cudaDir, "vectors.bin");
const work = mkdtempSync(join(tmpdir(), "nncuda-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const succeeds = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: "utf8" }).status === 0;
const hasNvcc = succeeds("nvcc", ["--version"]);
const hasGpu = hasNvcc && succeeds("nvidia-smi", ["-L"]);
const hasGxx = succeeds("g++", ["--version"]) && succeeds("python3", ["--version"]);
const driver = join(work, "driver");

/** Compiles and links the driver once (the tiled GEMM: cuBLAS headers are optional). */
let built: ReturnType<typeof spawnSync> | null = null;
function build(): ReturnType<typeof spawnSync> {
  built ??= spawnSync(
    "nvcc",
    ["-std=c++17", "-O2", "-arch=sm_90", join(cudaDir, "kernels.cu"), join(cudaDir, "driver.cpp"), "-o", driver],
    { encoding: "utf8", timeout: 240_000 },
  );
  return built;
}

describe("CUDA check (packages/nn-native/cuda)", () => {
  it("make-vectors.ts reproduces the committed vectors.bin exactly", () => {
    const out = join(work, "vectors.bin");
    const r = spawnSync(process.execPath, ["--import", "tsx", join(cudaDir, "make-vectors.ts"), out], { encoding: "utf8", timeout: 120_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ cases: 19 });
    expect(readFileSync(out).equals(readFileSync(vectors))).toBe(true);
  }, 150_000);

  const nvccNote = hasNvcc ? "" : " (skipped: no nvcc on PATH)";
  it.skipIf(!hasNvcc)(`kernels.cu and driver.cpp compile with nvcc, and the driver parses the vectors${nvccNote}`, () => {
    const r = build();
    expect(r.stderr, String(r.stderr)).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const p = spawnSync(driver, [vectors, "--parse-only"], { encoding: "utf8" });
    expect(p.status, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout.trim())).toEqual({ parsed: true, cases: 19, tensors: expect.any(Number) });
  }, 300_000);

  it.skipIf(!hasNvcc)(`the driver rejects a file that is not a vectors file, naming why${nvccNote}`, () => {
    expect(build().status).toBe(0);
    const p = spawnSync(driver, [join(cudaDir, "CMakeLists.txt"), "--parse-only"], { encoding: "utf8" });
    expect(p.status).toBe(1);
    expect(p.stderr).toMatch(/not a NNCUDAV1 vectors file/);
  }, 300_000);

  // The kernels' arithmetic and indexing on the CPU stand-in (cuda/emulate): runs wherever g++
  // is, so a wrong formula or index fails here, not only on the rare GPU machine.
  const gxxNote = hasGxx ? "" : " (skipped: no g++ on PATH)";
  it.skipIf(!hasGxx)(`emulated on the CPU, every kernel and training step matches the TypeScript reference${gxxNote}`, () => {
    const out = join(work, "emulated");
    const b = spawnSync("bash", [join(cudaDir, "emulate", "build.sh"), out], { encoding: "utf8", timeout: 240_000 });
    expect(b.status, b.stderr).toBe(0);
    const r = spawnSync(join(out, "driver-emulated"), [vectors, "--no-bench"], { encoding: "utf8", timeout: 240_000 });
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.ok === false)).toEqual([]);
    expect(lines.filter((l) => l.ok === true)).toHaveLength(19);
    expect(lines.at(-1)).toEqual({ summary: true, cases: 19, failed: 0 });
    expect(r.status).toBe(0);
  }, 500_000);

  if (hasGpu) {
    it("on this GPU every kernel and training step matches the TypeScript reference", () => {
      expect(build().status).toBe(0);
      const r = spawnSync(driver, [vectors, "--no-bench"], { encoding: "utf8", timeout: 120_000 });
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      const bad = lines.filter((l) => l.ok === false);
      expect(bad).toEqual([]);
      expect(lines.at(-1)).toEqual({ summary: true, cases: 19, failed: 0 });
      expect(r.status).toBe(0);
    }, 300_000);
  }
});
