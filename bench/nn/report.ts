// The readable form of the kernel benchmark's report (without --json).

import { isMeasured, type BenchReport } from "./types";

const num = (x: number) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toPrecision(3));
const pct = (x: number | null) => (x === null ? "–" : `${(100 * x).toFixed(0)}%`);
const times = (x: number | null) => (x === null ? "–" : `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×`);

function table(head: string[], rows: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`machine: ${m.cpus} × ${m.model}, OPENBLAS_CORETYPE=${m.openblasCoretype ?? "(unset)"}, node ${m.node}`);
  out.push(
    typeof r.pytorch === "string"
      ? `pytorch: ${r.pytorch}`
      : `pytorch ${r.pytorch.version}, hand-written backprop (vs autograd: max rel diff ${r.pytorch.autogradMaxRelDiff.toExponential(1)}); best of: ${r.pytorch.settingsTried.join(" | ")}`,
  );
  out.push(`native: ${r.backendsLoaded.native}; tfjs: ${r.backendsLoaded.tfjs}`);
  if (r.sgemm) {
    const runs = r.sgemm.runs && r.sgemm.runs.length > 1 ? `, best of ${r.sgemm.runs.map(num).join(" / ")} at start / end` : "";
    const torch = r.sgemm.torchMm ? `; torch.mm: ${num(r.sgemm.torchMm.gflops)}` : "";
    out.push(`sgemm peak: ${num(r.sgemm.gflops)} GFLOP/s (${r.sgemm.source}, n = ${r.sgemm.n}${runs}${torch})`);
  } else out.push("sgemm peak: not measured");
  out.push(`GFLOP/s = ${r.flopFormula}`);
  out.push("");
  const rows: string[][] = [];
  for (const w of r.workloads) {
    if (w.pytorch) rows.push([w.name, `pytorch (${w.pytorch.setting})`, num(w.pytorch.samplesPerSec), num(w.pytorch.gflops), "1×", pct(r.sgemm ? w.pytorch.gflops / r.sgemm.gflops : null)]);
    for (const b of w.backends) {
      if (!isMeasured(b)) {
        rows.push([w.name, b.backend, `unavailable: ${b.unavailable}`, "", "", ""]);
        continue;
      }
      const name = b.detail ? `${b.backend} (${b.detail})` : b.backend;
      rows.push([w.name, name, num(b.samplesPerSec), num(b.gflops), times(b.ratioToPytorch), pct(b.fractionOfSgemmPeak)]);
    }
  }
  out.push(table(["net", "backend", "samples/s", "GFLOP/s", "vs PyTorch", "of sgemm peak"], rows));
  out.push("");
  for (const t of r.targets) {
    const v = t.target.includes("%") ? pct(t.value) : times(t.value);
    out.push(`${t.met === null ? "n/a " : t.met ? "met " : "MISS"}  ${t.target}: ${v}`);
  }
  return `${out.join("\n")}\n`;
}
