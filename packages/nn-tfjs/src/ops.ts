// The engine's math as tfjs-core ops: forward and explicit backward of every hidden unit, the
// output units' cost and δ(L). No tf.grad: each backward is the same formula as the TypeScript
// reference kernel (packages/nn/src/kernels/*), so the two can be compared op for op.
// Shapes: Z, A, dA, dZ are [B, width]; y is [B] labels or [B, D] regression targets.

import * as tf from "@tensorflow/tfjs-core";
import type { ElementwiseActivation, OutputUnit } from "@automl/nn";

/** a = act(z) for the units that act element by element. */
export function elementwiseForward(act: ElementwiseActivation, Z: tf.Tensor, leakyAlpha: number): tf.Tensor {
  switch (act) {
    case "relu":
      return tf.relu(Z);
    case "leaky_relu":
      // z > 0 ? z : αz, with α applied at z = 0 too (0 either way)
      return tf.where(tf.greater(Z, 0), Z, tf.mul(Z, leakyAlpha));
    case "abs":
      return tf.abs(Z);
    case "sigmoid":
      return tf.sigmoid(Z);
    case "tanh":
      return tf.tanh(Z);
  }
}

/** dZ = act'(z) ⊙ dA; sigmoid and tanh use the forward output A, the others Z. */
export function elementwiseBackward(
  act: ElementwiseActivation,
  Z: tf.Tensor,
  A: tf.Tensor,
  dA: tf.Tensor,
  leakyAlpha: number,
): tf.Tensor {
  switch (act) {
    case "relu":
      return tf.mul(dA, tf.step(Z, 0)); // step: 1 for z > 0, else 0
    case "leaky_relu":
      return tf.mul(dA, tf.step(Z, leakyAlpha)); // 1 for z > 0, else α
    case "abs":
      return tf.mul(dA, tf.sign(Z)); // sign(0) = 0
    case "sigmoid":
      return tf.mul(dA, tf.mul(A, tf.sub(1, A)));
    case "tanh":
      return tf.mul(dA, tf.sub(1, tf.square(A)));
  }
}

/** PReLU: z > 0 ? z : α_j z, α broadcast over the rows. */
export function preluForward(Z: tf.Tensor, alpha: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(Z, 0), Z, tf.mul(Z, alpha));
}

/** dZ = (z > 0 ? 1 : α_j) dA; dα_j = Σ_n [z < 0] z dA (min(z, 0) is z on that side, else 0). */
export function preluBackward(Z: tf.Tensor, alpha: tf.Tensor, dA: tf.Tensor): { dZ: tf.Tensor; dAlpha: tf.Tensor } {
  const positive = tf.greater(Z, 0);
  const dZ = tf.where(positive, dA, tf.mul(dA, alpha));
  const dAlpha = tf.sum(tf.mul(tf.minimum(Z, 0), dA), 0);
  return { dZ, dAlpha };
}

/** Maxout over k adjacent pieces (column j·k + s is piece s of unit j); ties go to the lowest s. */
export function maxoutForward(Z: tf.Tensor, B: number, D: number, k: number): { A: tf.Tensor; winners: tf.Tensor } {
  const pieces = tf.reshape(Z, [B, D, k]);
  // argMax keeps the first of equal values, as the reference's strict ">" does.
  return { A: tf.max(pieces, 2), winners: tf.argMax(pieces, 2) };
}

/** dA routed to each unit's winning piece, 0 for the others: [B, D·k]. */
export function maxoutBackward(winners: tf.Tensor, dA: tf.Tensor, B: number, D: number, k: number): tf.Tensor {
  const route = tf.cast(tf.oneHot(tf.cast(winners, "int32") as tf.Tensor2D, k), "float32"); // [B, D, k]
  return tf.reshape(tf.mul(route, tf.expandDims(dA, 2)), [B, D * k]);
}

/** softmax_km1's logits with z_K = 0 appended: [B, K]. */
function withZeroLogit(Z: tf.Tensor, B: number): tf.Tensor {
  return tf.concat([Z, tf.zeros([B, 1])], 1);
}

/** The output unit's values from the logits: σ(z), class probabilities (B×K), or z. */
export function outputForward(unit: OutputUnit, Z: tf.Tensor, B: number): tf.Tensor {
  switch (unit) {
    case "sigmoid":
      return tf.sigmoid(Z);
    case "softmax":
      return tf.softmax(Z);
    case "softmax_km1":
      return tf.softmax(withZeroLogit(Z, B));
    case "linear":
      return Z;
  }
}

/**
 * Mean cost over the batch (a scalar) and δ(L) = ∂(mean cost)/∂Z, in the reference's stable forms:
 * sigmoid ζ((1 − 2y)z), δ = (σ(z) − y)/B; softmax logΣexp(z) − z_y, δ = (p − onehot(y))/B;
 * softmax_km1 the same over (z, 0), δ only for the K − 1 free logits; linear ‖y − z‖², δ = 2(z − y)/B.
 */
export function outputLossAndDelta(
  unit: OutputUnit,
  Z: tf.Tensor,
  y: tf.Tensor,
  B: number,
  outputDim: number,
): { loss: tf.Scalar; dZ: tf.Tensor } {
  const invB = 1 / B;
  switch (unit) {
    case "sigmoid": {
      const yCol = tf.reshape(y, [B, 1]);
      const loss = tf.mean(tf.softplus(tf.mul(tf.sub(1, tf.mul(2, yCol)), Z))) as tf.Scalar;
      return { loss, dZ: tf.mul(tf.sub(tf.sigmoid(Z), yCol), invB) };
    }
    case "softmax":
    case "softmax_km1": {
      const K = outputDim;
      const logits = unit === "softmax" ? Z : withZeroLogit(Z, B);
      const onehot = tf.oneHot(tf.cast(y, "int32") as tf.Tensor1D, K);
      const lse = tf.logSumExp(logits, 1, true); // shifted by the row max inside
      const zy = tf.sum(tf.mul(logits, onehot), 1, true);
      const loss = tf.mean(tf.sub(lse, zy)) as tf.Scalar;
      const full = tf.mul(tf.sub(tf.exp(tf.sub(logits, lse)), onehot), invB);
      const dZ = unit === "softmax" ? full : tf.slice(full, [0, 0], [B, K - 1]);
      return { loss, dZ };
    }
    case "linear": {
      const r = tf.sub(Z, tf.reshape(y, [B, outputDim]));
      return { loss: tf.mul(tf.sum(tf.square(r)), invB) as tf.Scalar, dZ: tf.mul(r, 2 * invB) };
    }
  }
}

/** Mean cost only (for lossOfLastForward). */
export function outputLoss(unit: OutputUnit, Z: tf.Tensor, y: tf.Tensor, B: number, outputDim: number): tf.Scalar {
  return outputLossAndDelta(unit, Z, y, B, outputDim).loss;
}
