import type { EpochDecision, EpochReport } from "@automl/nn";
import type { TrialSpec } from "@automl/proto";

/** One epoch of one fold; `samples`: training rows of the fold (samples seen in the epoch, for metrics). */
export interface EpochItem {
  fold: number;
  report: EpochReport;
  samples: number;
}

/**
 * Takes a batch of epochs in training order. `wait`: the last one is a decision epoch and
 * training waits for the answer; otherwise the caller goes on at once and the answer (a prune or
 * cancel found at a time-slice report) arrives later through `stop()`.
 */
export type EpochSink = (items: EpochItem[], wait: boolean) => Promise<EpochDecision>;

/** A time slice: curves still reach Postgres (and the dashboard) at least this often while a trial trains. */
export const REPORT_SLICE_MS = 1_000;
/** Epochs per report at most (the coordinator accepts up to 10,000). */
export const REPORT_MAX_EPOCHS = 512;

/** Whether the coordinator must answer this epoch before training goes on (TrialSpec's report plan). */
export function isDecisionEpoch(spec: Pick<TrialSpec, "batchReports" | "decisionEpochs" | "decideEveryEpoch" | "cvInterleave" | "folds">, fold: number, epoch: number): boolean {
  if (!spec.batchReports) return true; // an older coordinator: one answered report per epoch
  // Interleaved folds: the last fold closes an epoch, when the mean over folds is known.
  const signalFold = spec.cvInterleave ? spec.folds - 1 : 0;
  return fold === signalFold && (spec.decideEveryEpoch || spec.decisionEpochs.includes(epoch));
}

/**
 * The reporting rule of a trial (docs/architecture.md "Reporting"): epochs are buffered and sent
 * (1) at a decision epoch, waiting for the answer, (2) when REPORT_SLICE_MS passed since the last
 * report or REPORT_MAX_EPOCHS are buffered, without waiting, (3) at the trial's end (`flush`),
 * before its outcome. Nothing is dropped: every epoch the engine reports is sent once, in order.
 */
export class EpochBatches {
  private buffer: EpochItem[] = [];
  private lastSent = performance.now();
  private stopped = false;
  /** The reports sent without waiting, in order; `flush` waits for them. */
  private inFlight: Promise<unknown> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly spec: Pick<TrialSpec, "batchReports" | "decisionEpochs" | "decideEveryEpoch" | "cvInterleave" | "folds">,
    private readonly sink: EpochSink,
  ) {}

  /** An answer that came after training went on: the next epoch stops the trial. */
  stop(): void {
    this.stopped = true;
  }

  /** The engine's onEpoch. Returns synchronously except at a decision epoch. */
  onEpoch(item: EpochItem): EpochDecision | Promise<EpochDecision> {
    if (this.failure !== undefined) throw this.failure;
    this.buffer.push(item);
    if (isDecisionEpoch(this.spec, item.fold, item.report.epoch)) {
      const items = this.take();
      return this.inFlight.then(() => this.sink(items, true)).then((d) => (this.stopped || d === "stop" ? "stop" : "continue"));
    }
    if (this.buffer.length >= REPORT_MAX_EPOCHS || performance.now() - this.lastSent >= REPORT_SLICE_MS) this.sendAhead();
    return this.stopped ? "stop" : "continue";
  }

  /** Sends what is buffered and waits for every report to be answered; rethrows a failed one. */
  async flush(): Promise<void> {
    if (this.buffer.length) this.sendAhead();
    await this.inFlight;
    if (this.failure !== undefined) throw this.failure;
  }

  private take(): EpochItem[] {
    const items = this.buffer;
    this.buffer = [];
    this.lastSent = performance.now();
    return items;
  }

  private sendAhead(): void {
    const items = this.take();
    this.inFlight = this.inFlight
      .then(() => this.sink(items, false))
      .then(
        (d) => {
          if (d === "stop") this.stopped = true;
        },
        (err: unknown) => {
          this.failure ??= err;
          this.stopped = true;
        },
      );
  }
}
