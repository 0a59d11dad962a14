// Checkpoints of running trials (docs/operations.md "Checkpoints"). The engine saves its state
// between epochs (@automl/nn crossValidate `checkpoint`); the training thread adds the epochs
// produced so far (a resumed attempt reports them again, since a new attempt's curve starts
// empty) and hands the bytes to the worker, which seals them with the trial's identity and their
// SHA-256 and keeps the last one per trial in a CheckpointStore. The next attempt of the trial
// opens it, refusing (with a log line) anything that is not intact or not this trial's.
import { createHash } from "node:crypto";
import { decodeCheckpoint, encodeCheckpoint, type CvCheckpoint, type CvOptions } from "@automl/nn";
import type { TrialSpec } from "@automl/proto";
import type { EpochItem } from "./epoch-batches";

/** When to checkpoint: every `everyEpochs` epochs and/or every `everyMs` (0: not by that measure). */
export interface CheckpointPolicy {
  everyEpochs: number;
  everyMs: number;
}

export const DEFAULT_CHECKPOINT_EVERY = "60s";

/** AUTOML_CHECKPOINT_EVERY: "5" (epochs), "30s" (seconds), "0" or "off" (no checkpoints). */
export function parseCheckpointEvery(text: string): CheckpointPolicy | null {
  const t = text.trim();
  if (t === "0" || t === "off") return null;
  const seconds = /^(\d+(?:\.\d+)?)s$/.exec(t);
  if (seconds) return { everyEpochs: 0, everyMs: Math.max(1, Number(seconds[1]) * 1000) };
  if (/^\d+$/.test(t)) return { everyEpochs: Number(t), everyMs: 0 };
  throw new Error(`AUTOML_CHECKPOINT_EVERY: expected a number of epochs ("5"), seconds ("30s") or "off", got ${JSON.stringify(text)}`);
}

/** What the training thread keeps: the engine's state and the epochs produced up to it. */
export interface TrialCheckpoint extends CvCheckpoint {
  reported: EpochItem[];
}

/** runTrial's side: a checkpoint to resume from, when to save, and where to. */
export interface TrialCheckpointing {
  resume?: TrialCheckpoint;
  policy: CheckpointPolicy;
  /** True once a checkpoint is wanted at the next epoch boundary whatever the policy (shutdown). */
  now?: () => boolean;
  save(payload: Uint8Array): void | Promise<void>;
  /** After a checkpoint `now` asked for (shutdown) is handed over: runTrial stops the trial at its next epoch. */
  onNowSaved?: () => void;
}

/** The engine's checkpoint options for a trial; `produced` is every epoch item so far. */
export function checkpointOptions(ckpt: TrialCheckpointing, produced: readonly EpochItem[]): Pick<CvOptions, "checkpoint" | "resume"> {
  let lastCount = produced.length;
  let lastAt = performance.now();
  let forced = false;
  return {
    ...(ckpt.resume ? { resume: ckpt.resume } : {}),
    checkpoint: {
      due: () => {
        forced = ckpt.now?.() ?? false;
        if (forced) return true;
        const { everyEpochs, everyMs } = ckpt.policy;
        return (everyEpochs > 0 && produced.length - lastCount >= everyEpochs) || (everyMs > 0 && performance.now() - lastAt >= everyMs);
      },
      save: (state) => {
        lastCount = produced.length;
        lastAt = performance.now();
        const saved = ckpt.save(encodeCheckpoint({ ...state, reported: [...produced] } as TrialCheckpoint));
        if (forced) ckpt.onNowSaved?.();
        return saved;
      },
    },
  };
}

export function decodeTrialCheckpoint(payload: Uint8Array): TrialCheckpoint {
  const cp = decodeCheckpoint(payload) as TrialCheckpoint;
  if (!Array.isArray(cp.reported)) throw new Error("checkpoint: no epochs");
  return cp;
}

/** What makes two deliveries the same training run: not the path a worker resolved, nor report pacing. */
function fingerprint(spec: TrialSpec): string {
  const { path: _path, ...dataset } = spec.dataset ?? { path: "" };
  const run = [spec.trialId, spec.studyId, spec.paramsJson, spec.trainingJson, dataset, spec.task, spec.folds, spec.stratified, spec.seed, spec.trialSeed, spec.metric, spec.epochs];
  return createHash("sha256").update(JSON.stringify(run)).digest("hex");
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** One line of JSON (the trial's identity, the payload's hash), a newline, the payload. */
export function sealCheckpoint(spec: TrialSpec, payload: Uint8Array): Uint8Array {
  const head = Buffer.from(`${JSON.stringify({ v: 1, trialId: spec.trialId, run: fingerprint(spec), sha256: sha256(payload) })}\n`);
  return Buffer.concat([head, payload]);
}

/** The payload of a sealed checkpoint, or why it is refused. */
export function openCheckpoint(spec: TrialSpec, bytes: Uint8Array): { payload: Uint8Array } | { refused: string } {
  const nl = bytes.indexOf(10);
  if (nl < 0) return { refused: "no header" };
  let head: { v?: number; trialId?: string; run?: string; sha256?: string };
  try {
    head = JSON.parse(Buffer.from(bytes.subarray(0, nl)).toString("utf8")) as typeof head;
  } catch {
    return { refused: "unreadable header" };
  }
  if (head.v !== 1) return { refused: `unknown version ${String(head.v)}` };
  if (head.trialId !== spec.trialId || head.run !== fingerprint(spec)) return { refused: "another trial's checkpoint" };
  const payload = bytes.subarray(nl + 1);
  if (sha256(payload) !== head.sha256) return { refused: "content does not match its hash (corrupt)" };
  return { payload };
}
