// The fastest the Fashion-MNIST study could possibly run on this machine: its floating-point work
// (counted from the configurations it trained) at the single-thread sgemm peak on every training
// slot at once, with no other cost at all. Peer seconds over that time is the highest ratio any
// fp32 engine could report against the peer in this run: a ceiling, not a measurement of ours.
//
// Counted per trial, as multiply-adds × 2: every training step's forward pass, weight gradients
// and input gradients of all layers but the first (the input needs none), over (k − 1)·n rows an
// epoch (each row trains in k − 1 folds), plus one forward pass over the n held-out rows at the
// end, which is all the peer evaluates. Our per-epoch validation pass, which the recorded curves
// need, is counted separately (`recordedFlops`), as are activations, losses and updates not at all:
// leaving them out only raises the ceiling.

export interface FashionWork {
  n: number;
  d: number;
  classes: number;
  folds: number;
  epochs: number;
  /** Each trial's hidden widths. */
  widths: number[][];
}

export interface Ceiling {
  /** FLOPs of the work both sides do: training steps and one final evaluation per fold. */
  equalWorkFlops: number;
  /** FLOPs our study also spends on its per-epoch validation pass (the recorded curves). */
  recordedFlops: number;
  /** The single-thread OpenBLAS sgemm peak through our addon (GFLOP/s; sgemm-peak.ts with OPENBLAS_NUM_THREADS=1). */
  sgemmPeakGflops: number;
  /** Training slots working at once (the study's `budget.parallel`). */
  slots: number;
  /** equalWorkFlops at slots × the peak, in seconds: no engine does the same work faster. */
  floorSeconds: number;
  /** The same with the recorded per-epoch validation pass included. */
  floorSecondsWithRecorded: number;
}

export function fashionFlops(w: FashionWork): { equalWorkFlops: number; recordedFlops: number } {
  let equal = 0;
  let recorded = 0;
  for (const hidden of w.widths) {
    const dims = [w.d, ...hidden, w.classes];
    let macs = 0;
    for (let l = 0; l + 1 < dims.length; l++) macs += dims[l]! * dims[l + 1]!;
    const first = dims[0]! * dims[1]!;
    const stepPerRow = 2 * macs + 2 * macs + 2 * (macs - first);
    equal += w.epochs * (w.folds - 1) * w.n * stepPerRow + w.n * 2 * macs;
    recorded += (w.epochs - 1) * w.n * 2 * macs;
  }
  return { equalWorkFlops: equal, recordedFlops: recorded };
}

export function ceiling(work: FashionWork, slots: number, sgemmPeakGflops: number): Ceiling {
  const { equalWorkFlops, recordedFlops } = fashionFlops(work);
  const rate = slots * sgemmPeakGflops * 1e9;
  return {
    equalWorkFlops,
    recordedFlops,
    sgemmPeakGflops,
    slots,
    floorSeconds: equalWorkFlops / rate,
    floorSecondsWithRecorded: (equalWorkFlops + recordedFlops) / rate,
  };
}
