/** Trial statuses in lifecycle order (mirrors the TrialStatus enum in prisma/schema.prisma). */
export const TRIAL_STATUSES = ["QUEUED", "RUNNING", "COMPLETED", "PRUNED", "FAILED", "DIVERGED", "CANCELLED"] as const;
export type TrialStatusName = (typeof TRIAL_STATUSES)[number];
