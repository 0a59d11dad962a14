// Plain SVG charts rendered on the server: no chart library, no client JavaScript, nothing
// fetched; the page arrives with its pictures already drawn (see README "Charts").
import type { ReactNode } from "react";

export const PALETTE = ["#2452c9", "#d9480f", "#2b8a3e", "#ae3ec9", "#e8590c", "#0c8599", "#5c940d", "#c2255c", "#495057", "#1098ad"];

const W = 560;
const H = 280;
const M = { top: 14, right: 16, bottom: 40, left: 58 };

export interface Series {
  label: string;
  points: [number, number][];
  kind?: "line" | "step" | "points";
  color?: string;
  dashed?: boolean;
  /** kind "points": the radius (default 2.6) and a hover title per point (e.g. the trial number). */
  r?: number;
  titles?: string[];
}

interface Scale {
  (v: number): number;
  ticks: number[];
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function linear(lo: number, hi: number, a: number, b: number): Scale {
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
  const f = ((v: number) => a + ((v - lo) / (hi - lo)) * (b - a)) as Scale;
  f.ticks = niceTicks(lo, hi);
  return f;
}

function logScale(lo: number, hi: number, a: number, b: number): Scale {
  const l0 = Math.floor(Math.log10(lo));
  const l1 = Math.max(Math.ceil(Math.log10(hi)), l0 + 1);
  const f = ((v: number) => a + ((Math.log10(v) - l0) / (l1 - l0)) * (b - a)) as Scale;
  f.ticks = Array.from({ length: l1 - l0 + 1 }, (_, i) => 10 ** (l0 + i));
  return f;
}

const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/** A figure with a visible title; the SVG carries role="img" and the same label for screen readers. */
export function Figure({ title, note, children, testId }: { title: string; note?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {children}
      {note && <p className="muted chart-note">{note}</p>}
    </figure>
  );
}

export function XYChart({ label, series, xLabel, yLabel, logY = false, logX = false }: {
  label: string; series: Series[]; xLabel: string; yLabel: string; logY?: boolean; logX?: boolean;
}) {
  const ok = (v: number, log: boolean) => Number.isFinite(v) && (!log || v > 0);
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => ok(x, logX) && ok(y, logY));
  if (pts.length === 0) return <p className="muted">No data yet.</p>;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (logX ? logScale : linear)(x0, x1, M.left, W - M.right);
  const sy = (logY ? logScale : linear)(y0, y1, H - M.bottom, M.top);
  return (
    <>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} className="chart-svg">
        <Axes sx={sx} sy={sy} xLabel={xLabel} yLabel={yLabel} />
        {series.map((s, i) => {
          const color = s.color ?? PALETTE[i % PALETTE.length]!;
          const p = s.points.filter(([x, y]) => ok(x, logX) && ok(y, logY));
          if (s.kind === "points") {
            const keep = s.points.flatMap(([x, y], j) => (ok(x, logX) && ok(y, logY) ? [j] : []));
            return (
              <g key={s.label} fill={color} fillOpacity={0.55} data-series={s.label}>
                {keep.map((j) => {
                  const [x, y] = s.points[j]!;
                  const title = s.titles?.[j];
                  return <circle key={j} cx={sx(x)} cy={sy(y)} r={s.r ?? 2.6}>{title !== undefined && <title>{title}</title>}</circle>;
                })}
              </g>
            );
          }
          const d = p.map(([x, y], j) => {
            const prev = p[j - 1];
            const step = s.kind === "step" && prev ? `L${sx(x).toFixed(1)},${sy(prev[1]).toFixed(1)}` : "";
            return `${j === 0 ? "M" : `${step}L`}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
          }).join("");
          return <path key={s.label} d={d} fill="none" stroke={color} strokeWidth={1.8} strokeDasharray={s.dashed ? "5 3" : undefined} />;
        })}
      </svg>
      <Legend items={series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length]!, dashed: s.dashed }))} />
    </>
  );
}

function Axes({ sx, sy, xLabel, yLabel }: { sx: Scale; sy: Scale; xLabel: string; yLabel: string }) {
  return (
    <g className="axes" fontSize={10} fill="#5d6678">
      {sy.ticks.map((t) => (
        <g key={`y${t}`}>
          <line x1={M.left} x2={W - M.right} y1={sy(t)} y2={sy(t)} stroke="#e9ecf1" />
          <text x={M.left - 6} y={sy(t) + 3} textAnchor="end">{fmt(t)}</text>
        </g>
      ))}
      {sx.ticks.map((t) => (
        <text key={`x${t}`} x={sx(t)} y={H - M.bottom + 14} textAnchor="middle">{fmt(t)}</text>
      ))}
      <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} stroke="#aab1be" />
      <text x={(M.left + W - M.right) / 2} y={H - 6} textAnchor="middle" fontSize={11}>{xLabel}</text>
      <text transform={`translate(12 ${(M.top + H - M.bottom) / 2}) rotate(-90)`} textAnchor="middle" fontSize={11}>{yLabel}</text>
    </g>
  );
}

function Legend({ items }: { items: { label: string; color: string; dashed?: boolean | undefined }[] }) {
  if (items.length < 2) return null;
  return (
    <ul className="legend">
      {items.map((it) => (
        <li key={it.label}>
          <svg width="18" height="8" aria-hidden="true"><line x1="0" x2="18" y1="4" y2="4" stroke={it.color} strokeWidth="3" strokeDasharray={it.dashed ? "4 2" : undefined} /></svg>
          {it.label}
        </li>
      ))}
    </ul>
  );
}

/** Score → colour from pale to the accent, for heatmaps and parallel coordinates. */
export function ramp(t: number): string {
  const c = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
  const a = [237, 242, 251];
  const b = [36, 82, 201];
  const mid = [217, 72, 15];
  const [p, q, u] = c < 0.5 ? [a, b, c * 2] : [b, mid, (c - 0.5) * 2];
  return `rgb(${p.map((v, i) => Math.round(v + (q[i]! - v) * u)).join(",")})`;
}

export interface Axis {
  label: string;
  values: number[];
  log?: boolean;
}

/** Parallel coordinates: one polyline per trial across the axes, coloured by its score (the last axis). */
export function ParallelCoordinates({ label, axes }: { label: string; axes: Axis[] }) {
  const n = axes[0]?.values.length ?? 0;
  if (n === 0 || axes.length < 2) return <p className="muted">No data yet.</p>;
  const left = 40;
  const right = W - 40;
  const xs = axes.map((_, i) => left + (i * (right - left)) / (axes.length - 1));
  const scales = axes.map((a) => {
    const v = a.values.filter((x) => Number.isFinite(x) && (!a.log || x > 0));
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return (a.log && lo > 0 ? logScale : linear)(lo, hi, H - M.bottom, M.top + 8);
  });
  const score = axes[axes.length - 1]!;
  const s0 = Math.min(...score.values);
  const s1 = Math.max(...score.values);
  const lines = Array.from({ length: n }, (_, r) => ({
    t: s1 > s0 ? (score.values[r]! - s0) / (s1 - s0) : 1,
    d: axes.map((a, i) => `${i === 0 ? "M" : "L"}${xs[i]!.toFixed(1)},${scales[i]!(a.values[r]!).toFixed(1)}`).join(""),
  })).sort((p, q) => p.t - q.t); // best drawn last, on top
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} className="chart-svg parallel">
      {/* Floor of 0.2 on the colour so that the worst trials stay visible against the white. */}
      {lines.map((l, i) => <path key={i} d={l.d} fill="none" stroke={ramp(0.2 + 0.8 * l.t)} strokeOpacity={0.45 + 0.5 * l.t} strokeWidth={1.2} />)}
      {axes.map((a, i) => (
        <g key={a.label} fontSize={10} fill="#3b4456">
          <line x1={xs[i]} x2={xs[i]} y1={M.top + 8} y2={H - M.bottom} stroke="#7d8597" />
          <text x={xs[i]} y={H - M.bottom + 16} textAnchor="middle" fontSize={11}>{a.label}</text>
          {[scales[i]!.ticks[0]!, scales[i]!.ticks[scales[i]!.ticks.length - 1]!].map((t) => (
            <text key={t} x={xs[i]! + 4} y={scales[i]!(t) + 3}>{fmt(t)}</text>
          ))}
        </g>
      ))}
    </svg>
  );
}

/**
 * The decision surface: grid×grid cells grouped into 12 colour bands, one <path> per band, so
 * a 64×64 grid is a dozen elements rather than 4096.
 */
/**
 * A grid×grid field over the input plane. Continuous values are drawn in 12 bands of one colour
 * ramp; `categorical` values (region ids) each get a colour of their own, cycling a palette.
 */
export function Heatmap({ label, grid, values, x, y, categorical = false }: { label: string; grid: number; values: number[]; x: [number, number]; y: [number, number]; categorical?: boolean }) {
  const BANDS = categorical ? Math.min(Math.max(...values) + 1, 4096) : 12;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const paths: string[] = Array.from({ length: BANDS }, () => "");
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      const v = values[r * grid + c]!;
      const b = categorical ? v % BANDS : hi > lo ? Math.min(BANDS - 1, Math.floor(((v - lo) / (hi - lo)) * BANDS)) : 0;
      // Row 0 is y₀ (bottom): flip so that y grows upwards as on a plot.
      paths[b] += `M${c},${grid - 1 - r}h1v1h-1z`;
    }
  }
  const fill = (b: number) => (categorical ? `hsl(${(b * 137.508) % 360} 55% ${62 + (b % 3) * 8}%)` : ramp((b + 0.5) / BANDS));
  const S = 300;
  return (
    <svg viewBox={`-34 -6 ${S + 44} ${S + 30}`} role="img" aria-label={label} className="chart-svg surface">
      <g transform={`scale(${S / grid})`} shapeRendering="crispEdges">
        {paths.map((d, b) => d && <path key={b} d={d} fill={fill(b)} />)}
      </g>
      <g fontSize={10} fill="#5d6678">
        <text x={0} y={S + 14}>{fmt(x[0])}</text>
        <text x={S} y={S + 14} textAnchor="end">{fmt(x[1])}</text>
        <text x={-4} y={S} textAnchor="end">{fmt(y[0])}</text>
        <text x={-4} y={8} textAnchor="end">{fmt(y[1])}</text>
        <text x={S / 2} y={S + 22} textAnchor="middle">x₁</text>
      </g>
    </svg>
  );
}
