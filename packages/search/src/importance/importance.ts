// Parameter importance of a study: fANOVA main effects of a random forest fitted to the
// completed trials' scores. Pure and seeded: the same trials give the same numbers.
import { forestMainEffects, type Domain } from "./fanova";
import { trainForest, type ForestOptions } from "./random-forest";

/** A parameter value: numbers are ordered (log-scale them before if the space is log), strings are categories. */
export type FeatureValue = number | string;

export interface ImportanceObservation {
  features: Readonly<Record<string, FeatureValue>>;
  score: number;
}

export interface ParameterImportance {
  param: string;
  /** Share of the surrogate's variance explained by this parameter alone, in [0, 1]. */
  importance: number;
}

export const IMPORTANCE_METHOD = "fanova-rf";

export interface ImportanceOptions extends ForestOptions {
  /** At most this many observations are used (a seeded subsample beyond), keeping it interactive. */
  maxObservations?: number;
}

/**
 * fANOVA importance per parameter, highest first. A parameter that never varies is left out
 * (nothing can be said about it); categorical values are coded 0…K−1 on unit cells, so each
 * category weighs the same. Fewer than 4 finite observations give an empty list.
 */
export function parameterImportance(observations: readonly ImportanceObservation[], opts: ImportanceOptions = {}): ParameterImportance[] {
  let obs = observations.filter((o) => Number.isFinite(o.score));
  const max = opts.maxObservations ?? 2000;
  if (obs.length > max) {
    // Deterministic subsample: every ⌈n/max⌉-th in the given order.
    const step = obs.length / max;
    obs = Array.from({ length: max }, (_, i) => obs[Math.floor(i * step)]!);
  }
  if (obs.length < 4) return [];
  const names = [...new Set(obs.flatMap((o) => Object.keys(o.features)))].sort();
  const columns: { name: string; codes: number[]; domain: [number, number] }[] = [];
  for (const name of names) {
    const raw = obs.map((o) => o.features[name]);
    if (raw.some((v) => v === undefined || (typeof v === "number" && !Number.isFinite(v)))) continue; // conditional: absent in some trials
    const categorical = raw.some((v) => typeof v === "string");
    if (categorical) {
      const cats = [...new Set(raw.map(String))].sort();
      if (cats.length < 2) continue;
      columns.push({ name, codes: raw.map((v) => cats.indexOf(String(v)) + 0.5), domain: [0, cats.length] });
    } else {
      const xs = raw as number[];
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      if (!(hi > lo)) continue;
      columns.push({ name, codes: xs, domain: [lo, hi] });
    }
  }
  if (columns.length === 0) return [];
  const X = obs.map((_, r) => columns.map((c) => c.codes[r]!));
  const y = obs.map((o) => o.score);
  const trees = trainForest(X, y, opts);
  const effects = forestMainEffects(trees, columns.map((c) => c.domain) as Domain);
  return columns.map((c, i) => ({ param: c.name, importance: effects[i]! })).sort((a, b) => b.importance - a.importance || a.param.localeCompare(b.param));
}

/** The fields of a trial's stored params that importance looks at. */
export interface TrialParamsLike {
  depth: number;
  widths: readonly number[];
  activations: readonly string[];
  output?: string;
  learningRate?: number;
  batchSize?: number;
  epochs?: number;
  momentum?: number;
  weightDecay?: number;
  leakyAlpha?: number;
  maxoutPieces?: number;
}

/**
 * One trial's params as importance features, on the scales the space searches them: widths,
 * learning rate and batch size in log2 / log10, the per-layer widths summarised by their
 * geometric mean (a per-layer width exists only when its layer does), activations as one category
 * ("relu", or "relu/tanh" for a per-layer mix).
 */
export function trialFeatures(p: TrialParamsLike): Record<string, FeatureValue> {
  const f: Record<string, FeatureValue> = {
    depth: p.depth,
    width: p.widths.length ? p.widths.reduce((a, w) => a + Math.log2(w), 0) / p.widths.length : 0,
    activation: new Set(p.activations).size <= 1 ? (p.activations[0] ?? "none") : p.activations.join("/"),
  };
  if (p.output !== undefined) f.output = p.output || "default";
  if (p.learningRate !== undefined && p.learningRate > 0) f.learningRate = Math.log10(p.learningRate);
  if (p.batchSize !== undefined && p.batchSize > 0) f.batchSize = Math.log2(p.batchSize);
  for (const k of ["epochs", "momentum", "weightDecay", "leakyAlpha", "maxoutPieces"] as const) {
    const v = p[k];
    if (typeof v === "number") f[k] = v;
  }
  return f;
}
