// The shape of the kernel benchmark's JSON document (kernels.ts builds it, report.ts prints it).

import type { SgemmPeak } from "./sgemm";
import type { Timing } from "./timing";

export const BACKEND_ORDER = ["js", "native", "auto", "tfjs"] as const;
export type BackendLabel = (typeof BACKEND_ORDER)[number];

export interface BackendResult {
  backend: BackendLabel;
  /** auto: the backend it picked; tfjs: the tfjs engine. */
  detail?: string;
  samplesPerSec: number;
  gflops: number;
  /** samples/s over PyTorch's best setting's; null without PyTorch. */
  ratioToPytorch: number | null;
  /** GFLOP/s over the sgemm peak; null when no peak was measured. */
  fractionOfSgemmPeak: number | null;
  /** Median seconds per training step. */
  stepSeconds: number;
  reps: number;
  /** samples/s of each round this backend was measured in (the best one is samplesPerSec). */
  rounds: number[];
  finalLoss: number;
}

export interface Unavailable {
  backend: BackendLabel;
  unavailable: string;
}

export interface PeerResult {
  samplesPerSec: number;
  gflops: number;
  /** The thread setting that gave samplesPerSec (the best tried). */
  setting: string;
  bySetting: { setting: string; samplesPerSec: number }[];
}

export interface WorkloadResult {
  name: string;
  what: string;
  dims: number[];
  batch: number;
  flopsPerStep: number;
  pytorch: PeerResult | null;
  backends: (BackendResult | Unavailable)[];
}

export interface Target {
  target: string;
  value: number | null;
  need: number;
  met: boolean | null;
}

export interface BenchReport {
  machine: { cpus: number; model: string; openblasCoretype: string | null; node: string; loadAverageAtStart: number };
  flopFormula: string;
  step: string;
  timing: Timing;
  rounds: number;
  /** Version and settings, or "missing: apt-get install -y python3-torch". */
  pytorch: { version: string; settingsTried: string[]; autogradMaxRelDiff: number } | string;
  backendsLoaded: { native: string; tfjs: string };
  sgemm: SgemmPeak | null;
  workloads: WorkloadResult[];
  targets: Target[];
  seconds: number;
}

export function isMeasured(r: BackendResult | Unavailable): r is BackendResult {
  return "samplesPerSec" in r;
}
