// The TypeScript backend: the reference kernels of src/kernels and the model's own
// forward/backward with SgdOptimizer. Always available; handles float32 and float64.

import type { Backend, BackendKernels, TrainingSession } from "../backend";
import { activationBackward, activationForward } from "../kernels/activations";
import { linearBackward, linearForward } from "../kernels/linear";
import { maxoutBackward, maxoutForward } from "../kernels/maxout";
import { preluBackward, preluForward } from "../kernels/prelu";
import type { MlpModel } from "../mlp";
import { SgdOptimizer, sgdUpdateTensor, type SgdOptions } from "../optimizer";
import { outputBackward, outputForward, outputLoss } from "../output-units";

const kernels: BackendKernels = {
  linearForward,
  linearBackward,
  activationForward,
  activationBackward,
  preluForward,
  preluBackward,
  maxoutForward,
  maxoutBackward,
  outputForward,
  outputLossAndDelta(unit, Z, y, dZ, B, outputDim) {
    const loss = outputLoss(unit, Z, y, B, outputDim);
    outputBackward(unit, Z, y, dZ, B, outputDim);
    return loss;
  },
  sgdUpdate: sgdUpdateTensor,
};

/** Weight decay applies to the weight matrices only (not biases, not PReLU slopes). */
export function weightDecayMask(model: MlpModel<Float32Array>): boolean[] {
  const decay = model.params.map(() => false);
  for (const slot of model.slots) decay[slot.w] = true;
  return decay;
}

class JsSession implements TrainingSession {
  private readonly optimizer: SgdOptimizer;
  constructor(
    private readonly model: MlpModel<Float32Array>,
    opts: SgdOptions,
  ) {
    this.optimizer = new SgdOptimizer(
      model.params.map((p) => p.data),
      weightDecayMask(model),
      opts,
    );
  }
  get sqNorms(): Float64Array {
    return this.optimizer.sqNorms;
  }
  momentumBuffers(): Float32Array[] | null {
    return this.optimizer.velocityBuffers() as Float32Array[] | null;
  }
  step(X: Float32Array, y: Float32Array, B: number, learningRate: number): number {
    const loss = this.model.computeGradients(X, y, B);
    if (Number.isFinite(loss)) this.optimizer.step(this.model.grads, learningRate);
    return loss;
  }
  forward(X: Float32Array, B: number): Float32Array {
    return this.model.forwardInto(X, B);
  }
  lossOfLastForward(y: Float32Array, B: number): number {
    return this.model.lossOfLastForward(y, B);
  }
  preactivations(l: number, B: number): Float32Array {
    return this.model.preactivations(l, B);
  }
  dispose(): void {}
}

export const jsBackend: Backend = {
  name: "js",
  unsupported: () => null,
  kernels,
  createSession: (model, opts) => new JsSession(model, opts),
};
