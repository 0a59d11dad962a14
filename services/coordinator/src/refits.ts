// Refit jobs (RefitTrial / RecordModel): a completed trial's configuration trained once more on
// every row by a worker of the study's pool, which stores the model (the model bucket) and
// reports it here. The job is a Refit row, PENDING until RecordModel settles it once.
import { randomUUID } from "node:crypto";
import { AppError } from "@automl/common";
import type { Db, Trial } from "@automl/db";
import type { TrialQueue } from "@automl/messaging";
import { Refit as PbRefit, TrialSpec } from "@automl/proto";
import { toTrialSpec } from "./scheduler";

const MODEL_ID = /^[0-9a-f]{64}$/;

type RefitRow = { id: string; studyId: string; trialId: string; trialNumber: number; status: string; modelId: string | null; error: string | null };
type ModelRow = { location: string; size: number; source: unknown } | null;

export function refitToPb(r: RefitRow, model: ModelRow): PbRefit {
  return PbRefit.fromPartial({
    id: r.id,
    studyId: r.studyId,
    trialId: r.trialId,
    trialNumber: r.trialNumber,
    status: r.status,
    modelId: r.modelId ?? "",
    error: r.error ?? "",
    location: model?.location ?? "",
    size: model?.size ?? 0,
    sourceJson: model ? JSON.stringify(model.source) : "",
  });
}

/** The trial a refit names: an id, "#n", or (empty) the study's best completed trial. */
export async function chooseTrial(db: Db, studyId: string, direction: string, ref: string): Promise<Trial> {
  const byNumber = /^#?(\d+)$/.exec(ref);
  const trial = ref
    ? byNumber
      ? await db.trial.findUnique({ where: { studyId_number: { studyId, number: Number(byNumber[1]) } } })
      : await db.trial.findFirst({ where: { studyId, id: ref } })
    : await db.trial.findFirst({ where: { studyId, status: "COMPLETED", cvMean: { not: null } }, orderBy: [{ cvMean: direction === "minimize" ? "asc" : "desc" }, { number: "asc" }] });
  if (!trial) throw new AppError(ref ? "NOT_FOUND" : "FAILED_PRECONDITION", ref ? `trial ${ref} not found in study ${studyId}` : `study ${studyId} has no completed trial to refit`);
  if (trial.status !== "COMPLETED") throw new AppError("FAILED_PRECONDITION", `trial ${ref || trial.id} is ${trial.status.toLowerCase()}; only a completed trial can be refit`);
  return trial;
}

/** Records the job and publishes it to the study's pool. */
export async function queueRefit(db: Db, queue: Pick<TrialQueue, "publish">, studyId: string, trialRef: string): Promise<PbRefit> {
  const study = await db.study.findUnique({ where: { id: studyId } });
  if (!study) throw new AppError("NOT_FOUND", `study ${studyId} not found`);
  const trial = await chooseTrial(db, study.id, study.direction, trialRef.trim());
  const row = await db.refit.create({ data: { id: randomUUID(), studyId: study.id, trialId: trial.id, trialNumber: trial.number } });
  const source = { studyId: study.id, studyName: study.name, trialId: trial.id, trialNumber: trial.number, metric: study.metric, ...(trial.cvMean !== null ? { cvMean: trial.cvMean } : {}), ...(trial.cvStd !== null ? { cvStd: trial.cvStd } : {}) };
  const spec: TrialSpec = { ...toTrialSpec(study, trial), refitId: row.id, refitSourceJson: JSON.stringify(source), batchReports: false };
  try {
    await queue.publish(study.pool, spec);
  } catch (err) {
    await db.refit.update({ where: { id: row.id }, data: { status: "FAILED", error: `not queued: ${(err as Error).message}`, finishedAt: new Date() } });
    throw new AppError("UNAVAILABLE", `refit not queued: ${(err as Error).message}`);
  }
  return refitToPb(row, null);
}

export async function getRefit(db: Db, id: string): Promise<PbRefit> {
  const r = await db.refit.findUnique({ where: { id } });
  if (!r) throw new AppError("NOT_FOUND", `refit ${id} not found`);
  const model = r.modelId ? await db.model.findUnique({ where: { id: r.modelId } }) : null;
  return refitToPb(r, model);
}

/** A worker's result for a refit job; the first one settles it, a repeat is a harmless duplicate. */
export async function recordModel(
  db: Db,
  req: { refitId: string; modelId: string; size: number; location: string; sourceJson: string; error: string },
): Promise<{ alreadyRecorded: boolean }> {
  const job = await db.refit.findUnique({ where: { id: req.refitId } });
  if (!job) throw new AppError("NOT_FOUND", `refit ${req.refitId} not found`);
  if (job.status !== "PENDING") return { alreadyRecorded: true };
  if (req.error) {
    const n = await db.refit.updateMany({ where: { id: job.id, status: "PENDING" }, data: { status: "FAILED", error: req.error.slice(0, 2000), finishedAt: new Date() } });
    return { alreadyRecorded: n.count === 0 };
  }
  if (!MODEL_ID.test(req.modelId)) throw new AppError("INVALID_ARGUMENT", "model_id: must be a SHA-256 in hex");
  if (!(req.size > 0) || !req.location) throw new AppError("INVALID_ARGUMENT", "size and location: required for a stored model");
  let source: object;
  try {
    source = JSON.parse(req.sourceJson || "{}") as object;
  } catch {
    throw new AppError("INVALID_ARGUMENT", "source_json: not JSON");
  }
  return db.$transaction(async (tx) => {
    const n = await tx.refit.updateMany({ where: { id: job.id, status: "PENDING" }, data: { status: "DONE", modelId: req.modelId, finishedAt: new Date() } });
    if (n.count === 0) return { alreadyRecorded: true };
    const row = { studyId: job.studyId, trialId: job.trialId, size: Number(req.size), location: req.location, source };
    await tx.model.upsert({ where: { id: req.modelId }, create: { id: req.modelId, ...row }, update: row });
    return { alreadyRecorded: false };
  });
}
