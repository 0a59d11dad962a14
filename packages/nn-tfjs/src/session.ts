// A network's training step on tfjs: forward, cost + δ(L), the explicit backward pass and the
// SGD update, all as tfjs ops in one tidy scope, then one read-back of loss, Σg² and the new
// parameters.
//
// The backend contract says parameters live in the model's own Float32Arrays (crossValidate
// copies and restores them there), so every step uploads them and writes the updated values back.
// On the CPU backend the upload aliases the arrays (no copy); on tfjs-node(-gpu) it is a copy
// each way per step, which is the price of that contract. Momentum velocities are the session's
// own state and stay on the tfjs side.

import * as tf from "@tensorflow/tfjs-core";
import {
  NnConfigError,
  resolveLeakyAlpha,
  weightDecayMask,
  type MlpModel,
  type SgdOptions,
  type TrainingSession,
} from "@automl/nn";
import * as ops from "./ops";

type Layer = MlpModel<Float32Array>["layers"][number];

interface ForwardPass {
  /** Pre-activations per weight layer, [B, width]. */
  Z: tf.Tensor[];
  /** Hidden-unit outputs per hidden layer, [B, units]. */
  A: tf.Tensor[];
  /** Maxout winners per hidden layer (null for other units), [B, units]. */
  winners: (tf.Tensor | null)[];
}

export class TfjsSession implements TrainingSession {
  readonly sqNorms: Float64Array;
  private readonly layers: readonly Layer[];
  private readonly leakyAlpha: number;
  private readonly decay: boolean[];
  private readonly momentum: number;
  private readonly weightDecay: number;
  private readonly clipNorm: number | undefined;
  private velocity: tf.Tensor[] | null;
  /** Z of every layer from the last forward/step (kept for preactivations and the loss). */
  private lastZ: tf.Tensor[] = [];
  /** Host copies of lastZ, filled on demand. */
  private zHost: (Float32Array | null)[] = [];
  private out = new Float32Array(0);
  /** Row buffers of stepRows (grown on demand). */
  private xRows = new Float32Array(0);
  private yRows = new Float32Array(0);
  private disposed = false;

  constructor(
    private readonly model: MlpModel<Float32Array>,
    opts: SgdOptions,
  ) {
    if (model.dtype !== "float32") throw new Error("tfjs backend: the model must be float32");
    this.layers = model.layers;
    this.leakyAlpha = resolveLeakyAlpha(model.spec);
    this.decay = weightDecayMask(model);
    this.momentum = opts.momentum ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.clipNorm = opts.clipNorm;
    this.sqNorms = new Float64Array(model.params.length);
    this.velocity = this.momentum > 0 ? model.params.map((p) => tf.zeros(p.shape)) : null;
  }

  private checkOpen(): void {
    if (this.disposed) throw new Error("tfjs session used after dispose()");
  }

  private uploadParams(): tf.Tensor[] {
    return this.model.params.map((p) => tf.tensor(p.data, p.shape, "float32"));
  }

  private inputs(X: Float32Array, B: number): tf.Tensor2D {
    const d = this.model.spec.inputDim;
    return tf.tensor2d(X.subarray(0, B * d), [B, d]);
  }

  private forwardPass(x: tf.Tensor, B: number, params: tf.Tensor[]): ForwardPass {
    const Z: tf.Tensor[] = [];
    const A: tf.Tensor[] = [];
    const winners: (tf.Tensor | null)[] = [];
    let input = x;
    this.layers.forEach((layer, l) => {
      const slot = this.model.slots[l]!;
      const z = tf.add(tf.matMul(input, params[slot.w]!), params[slot.b]!);
      Z.push(z);
      if (layer.act === null) return;
      let a: tf.Tensor;
      let win: tf.Tensor | null = null;
      if (layer.act === "prelu") a = ops.preluForward(z, params[slot.alpha]!);
      else if (layer.act === "maxout") ({ A: a, winners: win } = ops.maxoutForward(z, B, layer.units, layer.pieces));
      else a = ops.elementwiseForward(layer.act, z, this.leakyAlpha);
      A.push(a);
      winners.push(win);
      input = a;
    });
    return { Z, A, winners };
  }

  private labels(y: Float32Array, B: number): tf.Tensor {
    const n = this.model.spec.task === "regression" ? B * this.model.spec.outputDim : B;
    return tf.tensor1d(y.subarray(0, n), "float32");
  }

  /** Gradients of the mean cost, in model.params order, by the explicit backward pass. */
  private backward(X: tf.Tensor, params: tf.Tensor[], fp: ForwardPass, dZLast: tf.Tensor, B: number): tf.Tensor[] {
    const grads: tf.Tensor[] = new Array<tf.Tensor>(params.length);
    let dZ = dZLast;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const slot = this.model.slots[l]!;
      const input = l === 0 ? X : fp.A[l - 1]!;
      grads[slot.w] = tf.matMul(input, dZ, true, false); // dW = Aᵀ dZ
      grads[slot.b] = tf.sum(dZ, 0); // db = column sums of dZ
      if (l === 0) break;
      const dA = tf.matMul(dZ, params[slot.w]!, false, true); // dA = dZ Wᵀ
      const below = this.layers[l - 1]!;
      const belowSlot = this.model.slots[l - 1]!;
      const zBelow = fp.Z[l - 1]!;
      if (below.act === "prelu") {
        const r = ops.preluBackward(zBelow, params[belowSlot.alpha]!, dA);
        grads[belowSlot.alpha] = r.dAlpha;
        dZ = r.dZ;
      } else if (below.act === "maxout") {
        dZ = ops.maxoutBackward(fp.winners[l - 1]!, dA, B, below.units, below.pieces);
      } else {
        dZ = ops.elementwiseBackward(below.act!, zBelow, fp.A[l - 1]!, dA, this.leakyAlpha);
      }
    }
    return grads;
  }

  step(X: Float32Array, y: Float32Array, B: number, learningRate: number): number {
    this.checkOpen();
    const spec = this.model.spec;
    const r = tf.tidy(() => {
      const params = this.uploadParams();
      const x = this.inputs(X, B);
      const fp = this.forwardPass(x, B, params);
      const last = fp.Z[fp.Z.length - 1]!;
      const { loss, dZ } = ops.outputLossAndDelta(this.model.outputUnit, last, this.labels(y, B), B, spec.outputDim);
      const grads = this.backward(x, params, fp, dZ, B);
      const sq = tf.stack(grads.map((g) => tf.sum(tf.square(g))));
      // ĝ = g·scale (+ λW on weight matrices); scale = min(1, clipNorm/‖g‖) when clipping.
      const scale = this.clipNorm === undefined ? null : tf.minimum(1, tf.div(this.clipNorm, tf.sqrt(tf.sum(sq))));
      const newParams: tf.Tensor[] = [];
      const newVelocity: tf.Tensor[] = [];
      params.forEach((w, p) => {
        let g = scale === null ? grads[p]! : tf.mul(grads[p]!, scale);
        if (this.decay[p] && this.weightDecay > 0) g = tf.add(g, tf.mul(w, this.weightDecay));
        if (this.velocity === null) {
          newParams.push(tf.sub(w, tf.mul(g, learningRate)));
        } else {
          const v = tf.sub(tf.mul(this.velocity[p]!, this.momentum), tf.mul(g, learningRate));
          newVelocity.push(v);
          newParams.push(tf.add(w, v));
        }
      });
      return { loss, sq, newParams, newVelocity, Z: fp.Z };
    });
    const loss = r.loss.dataSync()[0]!;
    const sq = r.sq.dataSync();
    for (let p = 0; p < this.sqNorms.length; p++) this.sqNorms[p] = sq[p]!;
    if (Number.isFinite(loss)) {
      r.newParams.forEach((t, p) => this.model.params[p]!.data.set(t.dataSync()));
      if (this.velocity !== null) {
        tf.dispose(this.velocity);
        this.velocity = r.newVelocity;
      }
    } else {
      tf.dispose(r.newVelocity); // a non-finite cost leaves parameters and velocities as they were
    }
    tf.dispose([r.loss, r.sq, ...r.newParams]);
    this.keepZ(r.Z);
    return loss;
  }

  /**
   * step() on rows order[start..start+B) of X and y. The rows are gathered in JS: uploading the
   * whole training part to tfjs every step would cost more than the copy.
   */
  stepRows(X: Float32Array, y: Float32Array, order: Int32Array, start: number, B: number, learningRate: number): number {
    this.checkOpen();
    const d = this.model.spec.inputDim;
    const yw = this.model.spec.task === "regression" ? this.model.spec.outputDim : 1;
    const n = Math.floor(X.length / d);
    if (this.xRows.length < B * d) this.xRows = new Float32Array(B * d);
    if (this.yRows.length < B * yw) this.yRows = new Float32Array(B * yw);
    for (let r = 0; r < B; r++) {
      const row = order[start + r];
      if (row === undefined || !Number.isInteger(row) || row < 0 || row >= n) {
        throw new NnConfigError(`order[${start + r}]`, `must be a row index in [0, ${n}), got ${String(row)}`);
      }
      this.xRows.set(X.subarray(row * d, (row + 1) * d), r * d);
      this.yRows.set(y.subarray(row * yw, (row + 1) * yw), r * yw);
    }
    return this.step(this.xRows, this.yRows, B, learningRate);
  }

  private keepZ(Z: tf.Tensor[]): void {
    tf.dispose(this.lastZ);
    this.lastZ = Z;
    this.zHost = Z.map(() => null);
  }

  forward(X: Float32Array, B: number): Float32Array {
    this.checkOpen();
    const r = tf.tidy(() => {
      const fp = this.forwardPass(this.inputs(X, B), B, this.uploadParams());
      const out = ops.outputForward(this.model.outputUnit, fp.Z[fp.Z.length - 1]!, B);
      return { out, Z: fp.Z };
    });
    const n = B * this.model.spec.outputDim;
    if (this.out.length < n) this.out = new Float32Array(n);
    this.out.set(r.out.dataSync());
    if (!r.Z.includes(r.out)) r.out.dispose(); // the linear unit returns the logits themselves
    this.keepZ(r.Z);
    return this.out.subarray(0, n);
  }

  lossOfLastForward(y: Float32Array, B: number): number {
    this.checkOpen();
    const Z = this.lastZ[this.lastZ.length - 1];
    if (Z === undefined) throw new Error("tfjs session: lossOfLastForward before any forward or step");
    const loss = tf.tidy(() => ops.outputLoss(this.model.outputUnit, Z, this.labels(y, B), B, this.model.spec.outputDim));
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  }

  preactivations(l: number, B: number): Float32Array {
    this.checkOpen();
    const Z = this.lastZ[l];
    if (Z === undefined) throw new Error(`tfjs session: no pre-activations for layer ${l}`);
    let host = this.zHost[l] ?? null;
    if (host === null) {
      host = Float32Array.from(Z.dataSync());
      this.zHost[l] = host;
    }
    return host.subarray(0, B * this.layers[l]!.width);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(this.lastZ);
    this.lastZ = [];
    if (this.velocity !== null) tf.dispose(this.velocity);
    this.velocity = null;
  }
}
