/** Display helpers shared by the pages; "—" marks a value that does not exist yet. */

const DASH = "—";

export const fixed4 = (x: number | null | undefined): string => (x == null || !Number.isFinite(x) ? DASH : x.toFixed(4));

export const sig3 = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : DASH);

export const widths = (ws: readonly number[]): string => (ws.length ? ws.join(" × ") : DASH);

export const integer = (n: number): string => n.toLocaleString("en-US");

export const objective = (metric: string, direction: string): string => `${metric} (${direction})`;

/** Fixed UTC rendering: the server's locale and time zone must not change what users read. */
export const timestamp = (d: Date): string => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
