// Per-epoch training diagnostics, accumulated from work the training loop does anyway:
// gradient norms come from the Σg² the optimizer sums while it updates, dead units from one
// compare per pre-activation of the forward pass just run, weight norms from one read of the
// weights at the end of the epoch.

import type { Activation } from "./kernels/activations";
import type { FloatArray } from "./kernels/float";
import type { MlpModel } from "./mlp";

export interface EpochDiagnostics {
  /** Per weight layer 1..L: mean over the epoch's minibatches of ‖∂C/∂W(k)‖₂ (Frobenius). */
  gradNorms: number[];
  /**
   * Per hidden layer: the fraction of its units whose pre-activation was ≤ 0 for every
   * training example of the epoch (they passed no gradient to their weights), for relu,
   * leaky_relu and prelu layers; null for units that cannot die (abs, maxout, sigmoid, tanh).
   * (A leaky/PReLU unit with z ≤ 0 everywhere still passes α·δ: "dead" means stuck on the flat side.)
   */
  deadFraction: (number | null)[];
  /** ‖W(k)‖_F per weight layer at the end of the epoch. */
  weightNorms: number[];
}

const CAN_DIE: readonly Activation[] = ["relu", "leaky_relu", "prelu"];

export class DiagnosticsTracker {
  private readonly gradSum: Float64Array;
  private steps = 0;
  /** Per hidden layer: 1 where some example of the epoch gave z > 0; null when the unit cannot die. */
  private readonly alive: (Uint8Array | null)[];
  /**
   * Per hidden layer: the units not yet seen alive this epoch (the first `pendingCount[l]`
   * entries). Most units come alive in the first steps, so each later step scans only the few
   * columns still pending instead of the whole B×D pre-activation matrix: same answer, a fraction
   * of the reads (it was ~20% of a small network's epoch).
   */
  private readonly pending: (Int32Array | null)[];
  private readonly pendingCount: Int32Array;

  /**
   * `activations` supplies the last step's pre-activations: the model itself, or the training
   * session of another backend (which keeps them in its own buffers).
   */
  constructor(
    private readonly model: MlpModel<FloatArray>,
    private readonly activations: {
      preactivations(l: number, B: number): FloatArray;
      /** Optional (see TrainingSession.markAlive): answers without handing over Z. */
      markAlive?(l: number, B: number, alive: Uint8Array): void;
    } = model,
  ) {
    this.gradSum = new Float64Array(model.layers.length);
    this.alive = model.layers
      .filter((l) => l.act !== null)
      .map((l) => (CAN_DIE.includes(l.act!) ? new Uint8Array(l.units) : null));
    this.pending = this.alive.map((a) => (a ? new Int32Array(a.length) : null));
    this.pendingCount = new Int32Array(this.alive.length);
  }

  beginEpoch(): void {
    this.gradSum.fill(0);
    this.steps = 0;
    for (let l = 0; l < this.alive.length; l++) {
      const alive = this.alive[l];
      if (!alive) continue;
      alive.fill(0);
      const pending = this.pending[l]!;
      for (let j = 0; j < pending.length; j++) pending[j] = j;
      this.pendingCount[l] = pending.length;
    }
  }

  /**
   * After the step on a minibatch of B rows: `sqNorms` holds Σg² per parameter tensor (the
   * optimizer's), and the model's buffers still hold that minibatch's forward pass.
   */
  observeStep(sqNorms: Float64Array, B: number): void {
    const { model } = this;
    for (let l = 0; l < model.layers.length; l++) this.gradSum[l]! += Math.sqrt(sqNorms[model.slots[l]!.w]!);
    this.steps++;
    for (let l = 0; l < this.alive.length; l++) {
      const alive = this.alive[l];
      if (!alive) continue;
      if (this.activations.markAlive) {
        this.activations.markAlive(l, B, alive);
        continue;
      }
      let count = this.pendingCount[l]!;
      if (count === 0) continue;
      const D = model.layers[l]!.units;
      const Z = this.activations.preactivations(l, B);
      const pending = this.pending[l]!;
      for (let k = 0; k < count; ) {
        const j = pending[k]!;
        let seen = false;
        for (let i = j; i < B * D; i += D) {
          if (Z[i]! > 0) {
            seen = true;
            break;
          }
        }
        if (seen) {
          alive[j] = 1;
          pending[k] = pending[--count]!; // order does not matter: swap the last one in
        } else {
          k++;
        }
      }
      this.pendingCount[l] = count;
    }
  }

  endEpoch(): EpochDiagnostics {
    const { model } = this;
    const gradNorms = Array.from(this.gradSum, (s) => (this.steps > 0 ? s / this.steps : NaN));
    const deadFraction = this.alive.map((alive) => {
      if (!alive) return null;
      let dead = 0;
      for (let j = 0; j < alive.length; j++) if (alive[j] === 0) dead++;
      return dead / alive.length;
    });
    const weightNorms = model.slots.map((slot) => {
      const W = model.params[slot.w]!.data;
      let s = 0;
      for (let i = 0; i < W.length; i++) s += W[i]! * W[i]!;
      return Math.sqrt(s);
    });
    return { gradNorms, deadFraction, weightNorms };
  }
}
