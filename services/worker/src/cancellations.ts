/** Remembered cancelled studies; enough for every study a worker could see in its lifetime's recent past. */
const REMEMBERED = 1_000;

/**
 * The trials this worker is training, by study, so that a cancellation on the control channel
 * aborts exactly those of the cancelled study. Studies cancelled recently are remembered, so a
 * trial of one that starts after the broadcast (a race with StartTrial) is aborted at once.
 */
export class Cancellations {
  private readonly running = new Map<string, { studyId: string; controller: AbortController }>();
  private readonly cancelled = new Set<string>();

  /** The signal that aborts when the trial's study is cancelled. */
  track(trialId: string, studyId: string): AbortSignal {
    const controller = new AbortController();
    this.running.set(trialId, { studyId, controller });
    if (this.cancelled.has(studyId)) controller.abort();
    return controller.signal;
  }

  untrack(trialId: string): void {
    this.running.delete(trialId);
  }

  /** Aborts the running trials of `studyId`; returns their ids. */
  cancelStudy(studyId: string): string[] {
    this.cancelled.add(studyId);
    if (this.cancelled.size > REMEMBERED) this.cancelled.delete(this.cancelled.values().next().value!);
    const aborted: string[] = [];
    for (const [trialId, t] of this.running) {
      if (t.studyId !== studyId || t.controller.signal.aborted) continue;
      t.controller.abort();
      aborted.push(trialId);
    }
    return aborted;
  }
}
