import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { AppError, type Logger } from "@automl/common";

/**
 * Attempt leases: StartTrial hands the worker that starts an attempt a random secret and stores
 * only its SHA-256; every report for the trial must present it. Holding a valid credential is not
 * enough to record a score: the caller must hold the attempt. A newer attempt replaces the hash,
 * so an older attempt's lease (replayed, or of a worker that was superseded) no longer counts.
 */
export function newLease(): { lease: string; hash: string } {
  const lease = randomBytes(32).toString("base64url");
  return { lease, hash: leaseHash(lease) };
}

export function leaseHash(lease: string): string {
  return createHash("sha256").update(lease).digest("hex");
}

/** Whether `lease` is the secret of the stored hash (constant-time; an absent hash or lease never matches). */
export function holdsLease(storedHash: string | null, lease: string): boolean {
  if (!storedHash || !lease) return false;
  const a = Buffer.from(storedHash, "hex");
  const b = Buffer.from(leaseHash(lease), "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The refusal of a report whose caller does not hold the attempt: logged (never the lease), then PERMISSION_DENIED. */
export function leaseRefused(log: Logger, method: string, trialId: string, attempt: number): AppError {
  log.warn({ method, trialId, attempt }, "report refused: caller does not hold the trial's current attempt");
  return new AppError("PERMISSION_DENIED", `lease: this caller does not hold trial ${trialId}'s current attempt (a report needs the lease StartTrial returned to the worker that started it)`);
}
