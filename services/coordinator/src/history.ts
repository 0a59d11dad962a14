import type { Trial } from "@automl/db";
import type { FinishedTrial, Params, TrialState } from "@automl/search";
import { TERMINAL } from "./convert";
import type { Store } from "./store";
import { storedStudyFile } from "./study-file";

/** A trial row's state as the sampler sees it. */
export const SAMPLER_STATE: Record<Trial["status"], TrialState> = {
  QUEUED: "RUNNING",
  RUNNING: "RUNNING",
  COMPLETED: "COMPLETE",
  PRUNED: "PRUNED",
  FAILED: "FAILED",
  // A diverged trial is a verdict on its configuration, not an accident: the sampler sees it as
  // pruned at step 0 (below every real pruned trial, see toFinished), so TPE steers away from it.
  DIVERGED: "PRUNED",
  CANCELLED: "FAILED",
};

/** Step 0 ranks below every reported epoch: where a diverged trial sits among pruned ones. */
const DIVERGED_CURVE: ReadonlyMap<number, number> = new Map([[0, 0]]);

type Row = Awaited<ReturnType<Store["samplerRows"]>>[number];

/**
 * The trials of each study as its sampler sees them, read from Postgres. A trial's outcome never
 * changes once recorded (conditional updates), so finished trials are cached per study and only
 * trials that finished since the last read are loaded: with 10,000 finished trials a pass reads
 * a status count and the few new rows, not every trial and its curve. A fresh process (a
 * restarted coordinator) starts empty and reads them all once: the history, not memory, is the state.
 */
export class SamplerHistory {
  private readonly finished = new Map<string, Map<number, FinishedTrial>>();

  constructor(private readonly store: Store) {}

  /** Every trial of the study: finished ones with their values (pruned ones with their fold-0 curve), the rest as RUNNING. */
  async trials(studyId: string, counts: { status: Trial["status"]; count: number }[]): Promise<FinishedTrial[]> {
    let cache = this.finished.get(studyId);
    if (!cache) this.finished.set(studyId, (cache = new Map()));
    const terminal = counts.filter((c) => TERMINAL.includes(c.status)).reduce((a, c) => a + c.count, 0);
    if (terminal !== cache.size) {
      const fresh = (await this.store.trialNumbers(studyId, TERMINAL)).filter((n) => !cache.has(n));
      if (fresh.length) await this.load(studyId, cache, fresh);
    }
    const open = counts.some((c) => !TERMINAL.includes(c.status));
    const running = open ? (await this.store.samplerRows(studyId, { statuses: ["QUEUED", "RUNNING"] })).map((r) => this.toFinished(r, undefined)) : [];
    return [...cache.values(), ...running.filter((r) => !cache.has(r.number))];
  }

  /** Drops a study's cache (it finished or was cancelled). */
  forget(studyId: string): void {
    this.finished.delete(studyId);
  }

  /** Keeps only the caches of these (running) studies. */
  retain(studyIds: readonly string[]): void {
    const keep = new Set(studyIds);
    for (const id of this.finished.keys()) if (!keep.has(id)) this.finished.delete(id);
  }

  private async load(studyId: string, cache: Map<number, FinishedTrial>, numbers: number[]): Promise<void> {
    // Chunked so a restarted coordinator with a large study does not send one huge IN list.
    for (let i = 0; i < numbers.length; i += 2000) {
      const rows = (await this.store.samplerRows(studyId, { numbers: numbers.slice(i, i + 2000) })).filter((r) => TERMINAL.includes(r.status));
      const pruned = rows.filter((r) => r.status === "PRUNED").map((r) => r.id); // diverged ones need no curve
      const interleaved = pruned.length > 0 && storedStudyFile((await this.store.studyForReports(studyId)).spec).cv.interleave;
      const curves = pruned.length ? await this.store.signalCurves(pruned, interleaved) : new Map<string, Map<number, number>>();
      for (const r of rows) cache.set(r.number, this.toFinished(r, curves.get(r.id)));
    }
  }

  private toFinished(r: Row, curve: Map<number, number> | undefined): FinishedTrial {
    const state = SAMPLER_STATE[r.status];
    const t: FinishedTrial = { number: r.number, params: r.params as unknown as Params, state };
    if (state === "COMPLETE") {
      const values = r.values.length ? r.values : r.cvMean !== null ? [r.cvMean] : [];
      if (values.length) t.values = values;
      else t.state = "FAILED"; // a completed row without a score cannot guide the search
    }
    if (r.status === "DIVERGED") t.intermediate = DIVERGED_CURVE;
    else if (curve?.size) t.intermediate = curve;
    return t;
  }
}
