/** Display helpers shared by the pages; "—" marks a value that does not exist yet. */

const DASH = "—";

export const fixed4 = (x: number | null | undefined): string => (x == null || !Number.isFinite(x) ? DASH : x.toFixed(4));

export const sig3 = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : DASH);

export const widths = (ws: readonly number[]): string => (ws.length ? ws.join(" × ") : DASH);

export const integer = (n: number): string => n.toLocaleString("en-US");

export const objective = (metric: string, direction: string): string => `${metric} (${direction})`;

/** Fixed UTC rendering: the server's locale and time zone must not change what users read. */
export const timestamp = (d: Date): string => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** A sampled parameter's value for people: 3 significant digits (a learning rate 0.0404, not 0.04038114790922472), lists joined. */
export function paramValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? String(Number(v.toPrecision(3))) : DASH;
  if (Array.isArray(v)) return v.map(paramValue).join(" × ");
  if (typeof v === "object" && v !== null) return JSON.stringify(v);
  return String(v);
}

/**
 * The parameters a trial's network actually uses, in their stored order: empty values (an
 * `output` left to the task's default) and options of units the trial does not have (`leakyAlpha`
 * without a leaky ReLU, `maxoutPieces` without maxout) are left out.
 */
export function shownParams(params: Record<string, unknown>): [string, string][] {
  const acts = [params.activations, params.activation].flat().filter((a): a is string => typeof a === "string");
  const applies: Record<string, boolean> = { leakyAlpha: acts.includes("leaky_relu"), maxoutPieces: acts.includes("maxout") };
  return Object.entries(params)
    .filter(([k, v]) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0) && applies[k] !== false)
    .map(([k, v]) => [k, paramValue(v)]);
}
