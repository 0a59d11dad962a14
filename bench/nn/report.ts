// The readable form of the kernel benchmark's report (without --json).

import { isMeasured, type BackendResult, type BenchReport } from "./types";

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
  out.push(`step: ${r.step}`);
  out.push("");
  const rows: string[][] = [];
  for (const w of r.workloads) {
    if (w.pytorch) rows.push([w.name, `pytorch (${w.pytorch.setting})`, num(w.pytorch.samplesPerSec), num(w.pytorch.gflops), "1×", pct(r.sgemm ? w.pytorch.gflops / r.sgemm.gflops : null)]);
    for (const b of w.backends) {
      if (!isMeasured(b)) {
        rows.push([w.name, `${b.backend}: unavailable (${b.unavailable})`, "–", "–", "–", "–"]);
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

/** The table of docs/benchmarks.md (--markdown): one row per workload, samples/s and the ratio to PyTorch. */
export function formatMarkdown(r: BenchReport): string {
  const cell = (w: BenchReport["workloads"][number], label: string) => {
    const b = w.backends.find((x) => x.backend === label);
    if (!b) return "–";
    if (!isMeasured(b)) return "unavailable";
    const ratio = b.ratioToPytorch === null ? "" : ` (${times(b.ratioToPytorch)})`;
    const picked = b.backend === "auto" && b.detail ? ` ${b.detail.replace("picked ", "= ")}` : "";
    return `${num(b.samplesPerSec)}${ratio}${picked}`;
  };
  const labels = ["js", "native", "auto", "tfjs"].filter((l) => r.workloads.some((w) => w.backends.some((b) => b.backend === l)));
  const head = ["network", "PyTorch (best setting)", ...labels.map((l) => (l === "tfjs" ? "tfjs (pure-JS engine)" : l)), "GFLOP/s best ours", "of sgemm peak"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const w of r.workloads) {
    const ours = w.backends.filter(isMeasured).reduce<BackendResult | null>((a, b) => (a === null || b.samplesPerSec > a.samplesPerSec ? b : a), null);
    const torch = w.pytorch ? `${num(w.pytorch.samplesPerSec)} (${w.pytorch.setting.replace("torch.set_num_threads", "threads").replace("OPENBLAS_NUM_THREADS", "BLAS")})` : "missing";
    lines.push(
      `| ${w.what} | ${torch} | ${labels.map((l) => cell(w, l)).join(" | ")} | ${ours ? num(ours.gflops) : "–"} | ${ours ? pct(ours.fractionOfSgemmPeak) : "–"} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
