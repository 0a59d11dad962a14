// Minibatch SGD with the classical options: heavy-ball momentum, L2 weight decay on the
// weights, global gradient-norm clipping, and a per-epoch learning-rate schedule.
//
// One step, given the mean-minibatch gradients g of every parameter tensor:
//   ‖g‖ = √(Σ over all tensors of Σ g²)                   (the raw cost gradient)
//   ĝ = g · min(1, clipNorm / ‖g‖)                         (clipping, when clipNorm is set)
//   ĝ ← ĝ + λ W                                            (weight decay, W tensors only)
//   v ← μ v − η ĝ;  θ ← θ + v                              (momentum μ > 0: Polyak's heavy ball)
//   θ ← θ − η ĝ                                            (μ = 0: plain SGD, as before)
// Clipping acts on the cost's gradient before decay and momentum (as PyTorch's clip_grad_norm_
// before optimizer.step), so with μ = λ = 0 the applied update has norm ≤ η·clipNorm.

import type { FloatArray } from "./kernels/float";

export type LrSchedule =
  | { type: "constant" }
  /** η·γ^⌊(epoch − 1)/everyEpochs⌋. */
  | { type: "step"; everyEpochs: number; gamma: number }
  /** ηmin + ½(η − ηmin)(1 + cos(π (epoch − 1)/epochs)), PyTorch's CosineAnnealingLR with T_max = epochs. */
  | { type: "cosine"; minLearningRate?: number };

/** The learning rate used for every step of `epoch` (1-based) out of `epochs`. */
export function learningRateAt(
  cfg: { learningRate: number; epochs: number; schedule?: LrSchedule },
  epoch: number,
): number {
  const s = cfg.schedule;
  if (s === undefined || s.type === "constant") return cfg.learningRate;
  if (s.type === "step") return cfg.learningRate * Math.pow(s.gamma, Math.floor((epoch - 1) / s.everyEpochs));
  const min = s.minLearningRate ?? 0;
  return min + 0.5 * (cfg.learningRate - min) * (1 + Math.cos((Math.PI * (epoch - 1)) / cfg.epochs));
}

export interface SgdOptions {
  /** μ in [0, 1); 0 = plain SGD. */
  momentum?: number;
  /** λ ≥ 0, applied only where `decay[i]` is true (the weight matrices). */
  weightDecay?: number;
  /** Global gradient-norm bound; undefined = no clipping. */
  clipNorm?: number;
}

export class SgdOptimizer {
  /** Σ g² of every tensor's raw gradient at the last step (diagnostics read it; no extra pass). */
  readonly sqNorms: Float64Array;
  /** ‖g‖ of the raw gradient at the last step; NaN until a step has run. */
  lastGradNorm = NaN;
  private readonly velocity: FloatArray[] | null;
  private readonly momentum: number;
  private readonly weightDecay: number;
  private readonly clipNorm: number | undefined;

  constructor(
    private readonly params: readonly FloatArray[],
    private readonly decay: readonly boolean[],
    opts: SgdOptions = {},
  ) {
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.clipNorm = opts.clipNorm;
    this.sqNorms = new Float64Array(params.length);
    // The velocity has the parameters' element type: float32 halves the memory traffic.
    this.velocity = this.momentum > 0 ? params.map((p) => p.slice().fill(0)) : null;
  }

  /** The live momentum buffers (null without momentum): checkpoints copy and restore them. */
  velocityBuffers(): FloatArray[] | null {
    return this.velocity;
  }

  step(grads: readonly FloatArray[], learningRate: number): void {
    const P = this.params.length;
    let scale = 1;
    const clip = this.clipNorm !== undefined;
    if (clip) {
      // Clipping needs the norm before any update: one extra read of the gradients.
      let total = 0;
      for (let p = 0; p < P; p++) {
        const g = grads[p]!;
        let s = 0;
        for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
        this.sqNorms[p] = s;
        total += s;
      }
      this.lastGradNorm = Math.sqrt(total);
      if (this.lastGradNorm > this.clipNorm!) scale = this.clipNorm! / this.lastGradNorm;
    }
    let total = 0;
    for (let p = 0; p < P; p++) {
      const s = sgdUpdateTensor(
        this.params[p]!,
        grads[p]!,
        this.velocity?.[p] ?? null,
        learningRate,
        this.momentum,
        this.decay[p] ? this.weightDecay : 0,
        scale,
      );
      if (!clip) {
        this.sqNorms[p] = s;
        total += s;
      }
    }
    if (!clip) this.lastGradNorm = Math.sqrt(total);
  }
}

/**
 * One tensor's update (the reference every backend's sgdUpdate is checked against):
 * ĝ = g·scale + λw; with a velocity v: v ← μv − ηĝ, w ← w + v; without: w ← w − ηĝ.
 * Arithmetic is float64 per element, stored in the arrays' type. Returns Σg² of the raw g.
 */
export function sgdUpdateTensor(
  w: FloatArray,
  g: FloatArray,
  v: FloatArray | null,
  learningRate: number,
  mu: number,
  lambda: number,
  scale: number,
): number {
  let s = 0;
  if (v === null && lambda === 0 && scale === 1) {
    // The common case, kept as tight as plain SGD; Σ g² rides along in four partial sums
    // (one running sum would serialize the loop on the add's latency).
    const n = w.length;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const g0 = g[i]!;
      const g1 = g[i + 1]!;
      const g2 = g[i + 2]!;
      const g3 = g[i + 3]!;
      s += g0 * g0;
      s1 += g1 * g1;
      s2 += g2 * g2;
      s3 += g3 * g3;
      w[i]! -= learningRate * g0;
      w[i + 1]! -= learningRate * g1;
      w[i + 2]! -= learningRate * g2;
      w[i + 3]! -= learningRate * g3;
    }
    for (; i < n; i++) {
      const gi = g[i]!;
      s += gi * gi;
      w[i]! -= learningRate * gi;
    }
    return s + s1 + s2 + s3;
  }
  if (v === null) {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      s += gi * gi;
      w[i]! -= learningRate * (gi * scale + lambda * w[i]!);
    }
    return s;
  }
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    s += gi * gi;
    const vi = mu * v[i]! - learningRate * (gi * scale + lambda * w[i]!);
    v[i] = vi;
    w[i]! += vi;
  }
  return s;
}
