import type { Study, Trial } from "@automl/db";
import { AshaPruner, createPruner, prunerSchema, rungAt, type PruneDecision, type Pruner, type TrialState } from "@automl/search";
import { SAMPLER_STATE } from "./history";
import type { Store } from "./store";
import { storedStudyFile, type StudyFile } from "./study-file";

const pruners = new Map<string, Pruner>();

function prunerFor(config: unknown): Pruner {
  const key = JSON.stringify(config);
  let p = pruners.get(key);
  if (!p) {
    p = createPruner(prunerSchema.parse(config));
    pruners.set(key, p);
  }
  return p;
}

// The sampler's view, except that a diverged trial reported no epoch a pruner could compare with.
const STATE: Record<Trial["status"], TrialState> = { ...SAMPLER_STATE, DIVERGED: "FAILED" };

/** The fold whose reports carry the pruning signal: 0, or the last one with interleaved folds (it closes each epoch). */
export function signalFold(file: Pick<StudyFile, "cv">): number {
  return file.cv.interleave ? file.cv.folds - 1 : 0;
}

/**
 * The study's pruner on a trial's epoch report. With `cv: { interleave: true }` the folds train
 * side by side and the fidelity is the mean over folds at each epoch (less noisy than one fold;
 * judged when the last fold closes the epoch). Otherwise it is fold 0's epochs: folds train one
 * after another, so fold 0's curve is the first complete signal a trial gives, and a trial
 * stopped during fold 0 saves the other folds entirely; a trial that survives fold 0 trains the
 * rest in full. Every other trial's fold-0 value at the same epoch is read from Postgres, so
 * decisions do not depend on which coordinator process makes them.
 */
export async function decidePrune(store: Store, study: Study, trial: Pick<Trial, "number">, fold: number, epoch: number, value: number): Promise<PruneDecision> {
  const file = storedStudyFile(study.spec);
  if (fold !== signalFold(file) || file.pruner === "none") return { prune: false };
  const pruner = prunerFor(file.pruner);
  if (pruner instanceof AshaPruner) {
    // Between rungs ASHA decides nothing: skip reading the other trials.
    const at = rungAt(epoch, pruner.options);
    if (!at) return { prune: false };
    if (at.rungEpoch !== epoch) return { prune: false, rung: at.rung };
  }
  const others = await store.valuesAtEpoch(study.id, epoch, file.cv.interleave);
  // Interleaved: every fold's epoch is recorded before the last fold's report is decided on, so
  // this trial's own row in `others` is its mean over folds.
  const own = file.cv.interleave ? others.find((o) => o.number === trial.number)?.value ?? value : value;
  return pruner.decide({
    trialNumber: trial.number,
    epoch,
    value: own,
    direction: file.objective.direction,
    history: others.map((o) => ({ number: o.number, state: STATE[o.status], intermediate: new Map([[epoch, o.value]]) })),
  });
}
