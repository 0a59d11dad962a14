// The output unit of the last layer and its cost, chosen once per model. The unit decides how
// many logits the last linear map produces (K − 1 for softmax_km1) and which stable cost
// kernels turn them into a loss and δ(L).

import type { FloatArray } from "./kernels/float";
import type { Task } from "./types";
import {
  sigmoidCrossEntropyBackward,
  sigmoidCrossEntropyForward,
  sigmoidOutputForward,
  softmaxCrossEntropyBackward,
  softmaxCrossEntropyForward,
  softmaxForward,
  softmaxKm1CrossEntropyBackward,
  softmaxKm1CrossEntropyForward,
  softmaxKm1Forward,
  squaredErrorBackward,
  squaredErrorForward,
} from "./kernels/outputs";

export type OutputUnit = "sigmoid" | "softmax" | "softmax_km1" | "linear";

export const OUTPUT_UNITS: readonly OutputUnit[] = ["sigmoid", "softmax", "softmax_km1", "linear"];

/** binary → sigmoid (Bernoulli), multiclass → softmax (Categorical), regression → linear (Normal). */
export function defaultOutputUnit(task: Task): OutputUnit {
  return task === "binary" ? "sigmoid" : task === "multiclass" ? "softmax" : "linear";
}

/** The units whose distribution matches the task's labels. */
export function outputUnitsFor(task: Task): readonly OutputUnit[] {
  return task === "binary" ? ["sigmoid"] : task === "multiclass" ? ["softmax", "softmax_km1"] : ["linear"];
}

/** Columns of the last layer's W: K − 1 for softmax_km1 (z_K is fixed at 0), else outputDim. */
export function logitWidth(unit: OutputUnit, outputDim: number): number {
  return unit === "softmax_km1" ? outputDim - 1 : outputDim;
}

/** out (B×outputDim) = the unit applied to the logits Z (B×logitWidth). */
export function outputForward(unit: OutputUnit, Z: FloatArray, out: FloatArray, B: number, outputDim: number): void {
  switch (unit) {
    case "sigmoid":
      return sigmoidOutputForward(Z, out, B);
    case "softmax":
      return softmaxForward(Z, out, B, outputDim);
    case "softmax_km1":
      return softmaxKm1Forward(Z, out, B, outputDim);
    case "linear":
      out.set(Z.subarray(0, B * outputDim));
      return;
  }
}

/** Mean cost over the batch. */
export function outputLoss(unit: OutputUnit, Z: FloatArray, y: FloatArray, B: number, outputDim: number): number {
  switch (unit) {
    case "sigmoid":
      return sigmoidCrossEntropyForward(Z, y, B);
    case "softmax":
      return softmaxCrossEntropyForward(Z, y, B, outputDim);
    case "softmax_km1":
      return softmaxKm1CrossEntropyForward(Z, y, B, outputDim);
    case "linear":
      return squaredErrorForward(Z, y, B, outputDim);
  }
}

/** dZ = ∂(mean cost)/∂Z, B×logitWidth. */
export function outputBackward(
  unit: OutputUnit,
  Z: FloatArray,
  y: FloatArray,
  dZ: FloatArray,
  B: number,
  outputDim: number,
): void {
  switch (unit) {
    case "sigmoid":
      return sigmoidCrossEntropyBackward(Z, y, dZ, B);
    case "softmax":
      return softmaxCrossEntropyBackward(Z, y, dZ, B, outputDim);
    case "softmax_km1":
      return softmaxKm1CrossEntropyBackward(Z, y, dZ, B, outputDim);
    case "linear":
      return squaredErrorBackward(Z, y, dZ, B, outputDim);
  }
}
