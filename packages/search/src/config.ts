// The study file's `sampler` and `pruner` fields: schemas, and the factories that turn a parsed
// field into an implementation.
import { z } from "zod";
import { GridSampler } from "./grid";
import { AshaPruner, type AshaOptions } from "./asha";
import { BohbSampler, DEFAULT_BOHB_OPTIONS, type BohbOptions } from "./bohb";
import { HyperbandPruner, type HyperbandOptions } from "./hyperband";
import { MedianPruner, type MedianOptions } from "./median";
import { NopPruner } from "./nop-pruner";
import { RandomSampler } from "./random";
import { AutoSampler } from "./auto";
import { DEFAULT_GP_OPTIONS, GpSampler, type GpOptions } from "./gp";
import { MultivariateTpeSampler } from "./mtpe";
import { DEFAULT_TPE_OPTIONS, TpeSampler, type TpeOptions } from "./tpe";
import type { Pruner, Sampler } from "./types";

const tpeOptions = z.strictObject({
  startupTrials: z.number().int().min(0).max(100_000).default(DEFAULT_TPE_OPTIONS.startupTrials),
  candidates: z.number().int().min(1).max(10_000).default(DEFAULT_TPE_OPTIONS.candidates),
  gamma: z.number().gt(0).lt(1).default(DEFAULT_TPE_OPTIONS.gamma),
  maxGood: z.number().int().min(1).max(100_000).default(DEFAULT_TPE_OPTIONS.maxGood),
  priorWeight: z.number().positive().max(1000).default(DEFAULT_TPE_OPTIONS.priorWeight),
  constantLiar: z.boolean().default(DEFAULT_TPE_OPTIONS.constantLiar),
  maxObservations: z.number().int().min(10).max(1_000_000).default(DEFAULT_TPE_OPTIONS.maxObservations),
});

const bohbOptions = z.strictObject({
  minEpochs: z.number().int().min(1).max(10_000).default(DEFAULT_BOHB_OPTIONS.minEpochs),
  reductionFactor: z.number().int().min(2).max(100).default(DEFAULT_BOHB_OPTIONS.reductionFactor),
  randomFraction: z.number().min(0).max(1).default(DEFAULT_BOHB_OPTIONS.randomFraction),
  minPoints: z.number().int().min(1).max(100_000).default(DEFAULT_BOHB_OPTIONS.minPoints),
  tpe: tpeOptions.prefault({}),
});

const gpOptions = z.strictObject({
  startupTrials: z.number().int().min(2).max(100_000).default(DEFAULT_GP_OPTIONS.startupTrials),
  maxObservations: z.number().int().min(10).max(2000).default(DEFAULT_GP_OPTIONS.maxObservations),
  handoverTrials: z.number().int().min(1).max(1_000_000).default(DEFAULT_GP_OPTIONS.handoverTrials),
  candidates: z.number().int().min(1).max(100_000).default(DEFAULT_GP_OPTIONS.candidates),
  fitSteps: z.number().int().min(0).max(10_000).default(DEFAULT_GP_OPTIONS.fitSteps),
});

export type SamplerConfig =
  | { kind: "random" }
  | { kind: "grid" }
  | { kind: "auto" }
  | { kind: "tpe"; options: TpeOptions }
  | { kind: "tpe-multivariate"; options: TpeOptions }
  | { kind: "gp"; options: GpOptions }
  | { kind: "bohb"; options: BohbOptions };

type SamplerName = "random" | "grid" | "auto" | "tpe" | "tpe-multivariate" | "gp" | "bohb";

/**
 * `sampler:` in a study file: `auto` | `random` | `grid` | `tpe` | `tpe-multivariate` | `gp`, or
 * `{ tpe: {...} }` / `{ tpe-multivariate: {...} }` with startupTrials, candidates, gamma, maxGood,
 * priorWeight, constantLiar, maxObservations, or `{ gp: { startupTrials, maxObservations,
 * handoverTrials, candidates, fitSteps } }` (each optional), or `bohb` | `{ bohb: { minEpochs,
 * reductionFactor, randomFraction, minPoints, tpe: { … } } }`.
 */
export const samplerSchema = z
  .union([
    z.enum(["auto", "random", "grid", "tpe", "tpe-multivariate", "gp"]),
    z.strictObject({ auto: z.strictObject({}) }),
    z.strictObject({ random: z.strictObject({}) }),
    z.strictObject({ grid: z.strictObject({}) }),
    z.strictObject({ tpe: tpeOptions }),
    z.strictObject({ "tpe-multivariate": tpeOptions }),
    z.strictObject({ gp: gpOptions }),
    z.literal("bohb"),
    z.strictObject({ bohb: bohbOptions }),
  ])
  .transform((v): SamplerConfig => {
    if (v === "bohb") return { kind: "bohb", options: bohbOptions.parse({}) };
    if (typeof v === "string") {
      if (v === "tpe" || v === "tpe-multivariate") return { kind: v, options: { ...DEFAULT_TPE_OPTIONS } };
      if (v === "gp") return { kind: "gp", options: { ...DEFAULT_GP_OPTIONS } };
      return { kind: v };
    }
    if ("tpe" in v) return { kind: "tpe", options: v.tpe };
    if ("tpe-multivariate" in v) return { kind: "tpe-multivariate", options: v["tpe-multivariate"] };
    if ("gp" in v) return { kind: "gp", options: v.gp };
    if ("bohb" in v) return { kind: "bohb", options: v.bohb };
    return { kind: "random" in v ? "random" : "grid" in v ? "grid" : "auto" };
  });

export type SamplerInput = z.input<typeof samplerSchema>;

/** A sampler for a parsed `sampler` field (or its plain name). */
export function createSampler(config: SamplerConfig | SamplerName): Sampler {
  const c: SamplerConfig = typeof config === "string" ? samplerSchema.parse(config) : config;
  switch (c.kind) {
    case "random":
      return new RandomSampler();
    case "grid":
      return new GridSampler();
    case "auto":
      return new AutoSampler();
    case "tpe":
      return new TpeSampler(c.options);
    case "tpe-multivariate":
      return new MultivariateTpeSampler(c.options);
    case "gp":
      return new GpSampler(c.options);
    case "bohb":
      return new BohbSampler(c.options);
  }
}

export type PrunerConfig =
  | { kind: "none" }
  | { kind: "asha"; options: AshaOptions }
  | { kind: "median"; options: MedianOptions }
  | { kind: "hyperband"; options: HyperbandOptions };

const ashaOptions = z.strictObject({
  minEpochs: z.number().int().min(1).max(10_000).default(1),
  reductionFactor: z.number().int().min(2).max(100).default(3),
});
// maxEpochs has no default: it fixes the brackets and must be the study's epochs.
const hyperbandOptions = z
  .strictObject({
    minEpochs: z.number().int().min(1).max(10_000).default(1),
    maxEpochs: z.number().int().min(1).max(10_000),
    reductionFactor: z.number().int().min(2).max(100).default(3),
  })
  .refine((o) => o.maxEpochs >= o.minEpochs, { path: ["maxEpochs"], message: "must be ≥ minEpochs" });
const medianOptions = z.strictObject({
  startupTrials: z.number().int().min(0).max(100_000).default(5),
  warmupEpochs: z.number().int().min(0).max(10_000).default(0),
});

/**
 * `pruner:` in a study file: `none` | `asha` | `median` | `{ asha: { minEpochs, reductionFactor } }`
 * | `{ median: { startupTrials, warmupEpochs } }` | `{ hyperband: { minEpochs, maxEpochs, reductionFactor } }`.
 */
export const prunerSchema = z
  .union([
    z.enum(["none", "asha", "median"]),
    z.strictObject({ asha: ashaOptions }),
    z.strictObject({ median: medianOptions }),
    z.strictObject({ hyperband: hyperbandOptions }),
  ])
  .transform((v): PrunerConfig => {
    if (v === "none") return { kind: "none" };
    if (v === "asha") return { kind: "asha", options: ashaOptions.parse({}) };
    if (v === "median") return { kind: "median", options: medianOptions.parse({}) };
    if ("asha" in v) return { kind: "asha", options: v.asha };
    if ("hyperband" in v) return { kind: "hyperband", options: v.hyperband };
    return { kind: "median", options: v.median };
  });

export type PrunerInput = z.input<typeof prunerSchema>;

export function createPruner(config: PrunerConfig | "none" | "asha" | "median"): Pruner {
  const c: PrunerConfig = typeof config === "string" ? prunerSchema.parse(config) : config;
  switch (c.kind) {
    case "none":
      return new NopPruner();
    case "asha":
      return new AshaPruner(c.options);
    case "median":
      return new MedianPruner(c.options);
    case "hyperband":
      return new HyperbandPruner(c.options);
  }
}
