// OpenBLAS sgemm peak, the yardstick for "fraction of peak". Through the native addon when it
// loaded: its linearForward(A, W, b, Z, B, Din, Dout) is one cblas_sgemm (Z = A·W) plus a bias
// add, so with B = Din = Dout = n it does 2n³ + n² FLOPs; only 2n³ is counted, so the bias pass
// (memory-bound, ~1-2% of the time at n = 2048) makes the peak slightly low. Without the
// addon, PyTorch's torch.mm (Debian's torch calls the same OpenBLAS) stands in, and says so.

import type { PytorchPeer } from "./pytorch";

export interface SgemmPeak {
  gflops: number;
  n: number;
  source: "native addon (linearForward = cblas_sgemm + bias)" | "torch.mm (native addon unavailable)";
  /** The addon's BLAS threads while measuring, when it reports them. */
  threads?: number;
  /** GFLOP/s of every measurement of the peak in this run (gflops is the best). */
  runs?: number[];
  /** torch.mm's peak in the same run, for comparison (same OpenBLAS). */
  torchMm?: { gflops: number; n: number; setting: string };
}

interface AddonGemm {
  linearForward(A: Float32Array, W: Float32Array, b: Float32Array, Z: Float32Array, B: number, Din: number, Dout: number): void;
  blasThreads?(): { budget: number; current: number; live: number };
}

function addonPeak(addon: AddonGemm, n: number, seconds: number): number {
  const A = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const W = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const b = new Float32Array(n);
  const Z = new Float32Array(n * n);
  addon.linearForward(A, W, b, Z, n, n, n); // warm-up: threads, pages
  let best = Infinity;
  const stop = performance.now() + seconds * 1000;
  for (let reps = 0; reps < 3 || performance.now() < stop; reps++) {
    const t = performance.now();
    addon.linearForward(A, W, b, Z, n, n, n);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return (2 * n ** 3) / best / 1e9;
}

/** The best over a couple of sizes: the peak is a property of the machine, not of one shape. */
export async function measureSgemmPeak(addon: unknown, peer: PytorchPeer | null, quick: boolean): Promise<SgemmPeak> {
  const sizes = quick ? [1024] : [1024, 2048];
  const seconds = quick ? 0.3 : 1.0;
  let torchMm: SgemmPeak["torchMm"];
  if (peer) {
    let bestT = { gflops: 0, n: 0 };
    for (const n of sizes) {
      const r = await peer.sgemm(n, seconds);
      if (r.gflops > bestT.gflops) bestT = { gflops: r.gflops, n };
    }
    torchMm = { ...bestT, setting: `OPENBLAS_NUM_THREADS=${peer.setting.openblasThreads}` };
  }
  const gemm = addon as AddonGemm | undefined;
  if (gemm && typeof gemm.linearForward === "function") {
    let best = { gflops: 0, n: 0 };
    for (const n of sizes) {
      const g = addonPeak(gemm, n, seconds);
      if (g > best.gflops) best = { gflops: g, n };
    }
    const threads = gemm.blasThreads?.().current;
    return { ...best, source: "native addon (linearForward = cblas_sgemm + bias)", ...(threads ? { threads } : {}), ...(torchMm ? { torchMm } : {}) };
  }
  if (torchMm) return { gflops: torchMm.gflops, n: torchMm.n, source: "torch.mm (native addon unavailable)", torchMm };
  throw new Error("neither the native addon nor PyTorch is available");
}
