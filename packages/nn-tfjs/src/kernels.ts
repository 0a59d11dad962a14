// The backend's kernels one by one, with the reference signatures (arrays in, arrays out). Each
// call uploads its inputs, runs the ops of ops.ts and copies the result into the output array.
// That round trip is why training uses a session (session.ts) instead: these exist so that the
// conformance suite can hold every tfjs formula against the TypeScript reference.

import * as tf from "@tensorflow/tfjs-core";
import type { BackendKernels } from "@automl/nn";
import * as ops from "./ops";

/** Rows × cols of a (possibly larger, capacity-sized) buffer as a tensor. */
function mat(a: Float32Array, rows: number, cols: number): tf.Tensor2D {
  return tf.tensor2d(a.subarray(0, rows * cols), [rows, cols], "float32");
}

function vec(a: Float32Array, n: number): tf.Tensor1D {
  return tf.tensor1d(a.subarray(0, n), "float32");
}

/** Runs fn in a tidy scope and copies each returned tensor's values into its output array. */
function into(outs: (Float32Array | Int32Array)[], fn: () => tf.Tensor[]): void {
  const results = tf.tidy(fn);
  try {
    results.forEach((t, i) => outs[i]!.set(t.dataSync()));
  } finally {
    tf.dispose(results);
  }
}

export const tfjsKernels: BackendKernels = {
  linearForward(A, W, b, Z, B, Din, Dout) {
    into([Z], () => [tf.add(tf.matMul(mat(A, B, Din), mat(W, Din, Dout)), vec(b, Dout))]);
  },

  linearBackward(A, W, dZ, dA, dW, db, B, Din, Dout) {
    into(dA === null ? [dW, db] : [dW, db, dA], () => {
      const a = mat(A, B, Din);
      const dz = mat(dZ, B, Dout);
      const grads = [tf.matMul(a, dz, true, false), tf.sum(dz, 0)];
      if (dA !== null) grads.push(tf.matMul(dz, mat(W, Din, Dout), false, true));
      return grads;
    });
  },

  activationForward(act, Z, A, len, leakyAlpha) {
    into([A], () => [ops.elementwiseForward(act, vec(Z, len), leakyAlpha)]);
  },

  activationBackward(act, Z, A, dA, dZ, len, leakyAlpha) {
    into([dZ], () => [ops.elementwiseBackward(act, vec(Z, len), vec(A, len), vec(dA, len), leakyAlpha)]);
  },

  preluForward(Z, alpha, A, B, D) {
    into([A], () => [ops.preluForward(mat(Z, B, D), vec(alpha, D))]);
  },

  preluBackward(Z, alpha, dA, dZ, dAlpha, B, D) {
    into([dZ, dAlpha], () => {
      const r = ops.preluBackward(mat(Z, B, D), vec(alpha, D), mat(dA, B, D));
      return [r.dZ, r.dAlpha];
    });
  },

  maxoutForward(Z, A, winners, B, D, k) {
    into([A, winners], () => {
      const r = ops.maxoutForward(mat(Z, B, D * k), B, D, k);
      return [r.A, r.winners];
    });
  },

  maxoutBackward(winners, dA, dZ, B, D, k) {
    into([dZ], () => {
      const w = tf.tensor2d(winners.subarray(0, B * D), [B, D], "int32");
      return [ops.maxoutBackward(w, mat(dA, B, D), B, D, k)];
    });
  },

  outputForward(unit, Z, out, B, outputDim) {
    const cols = unit === "softmax_km1" ? outputDim - 1 : outputDim;
    into([out], () => [ops.outputForward(unit, mat(Z, B, cols), B)]);
  },

  outputLossAndDelta(unit, Z, y, dZ, B, outputDim) {
    const cols = unit === "softmax_km1" ? outputDim - 1 : outputDim;
    const yLen = unit === "linear" ? B * outputDim : B;
    const loss = new Float32Array(1);
    into([loss, dZ], () => {
      const r = ops.outputLossAndDelta(unit, mat(Z, B, cols), vec(y, yLen), B, outputDim);
      return [r.loss, r.dZ];
    });
    return loss[0]!;
  },

  sgdUpdate(w, g, v, learningRate, momentum, weightDecay, scale) {
    const n = w.length;
    const sq = new Float32Array(1);
    const outs: Float32Array[] = v === null ? [sq, w] : [sq, w, v];
    into(outs, () => {
      const gt = vec(g, n);
      const wt = vec(w, n);
      const gHat = tf.add(tf.mul(gt, scale), tf.mul(wt, weightDecay));
      const sumSq = tf.sum(tf.square(gt));
      if (v === null) return [sumSq, tf.sub(wt, tf.mul(gHat, learningRate))];
      const vNew = tf.sub(tf.mul(vec(v, n), momentum), tf.mul(gHat, learningRate));
      return [sumSq, tf.add(wt, vNew), vNew];
    });
    return sq[0]!;
  },
};
