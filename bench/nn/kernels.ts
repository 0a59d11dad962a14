// Kernel benchmark (issue 4): training-step speed of every available backend of @automl/nn and of
// PyTorch (Debian's python3-torch, hand-written backprop in bench/nn/pytorch_mlp.py), measured in
// the same run and interleaved per workload, plus OpenBLAS sgemm peak through the native addon.
//
//   npm run -s bench -- --json     one JSON document on stdout (-s keeps npm's banner off it)
//   npm run bench                  a readable table; progress always goes to stderr
//   npm run -s bench -- --markdown the table of docs/benchmarks.md
//   options: --quick (short timings, to check the harness), --backends=js,native,auto,tfjs,
//            --workloads=A,B4,B256,C, --rounds=N (default 2; each side keeps its best round)
//
// A training step = forward + cost + backward + SGD update, on one fixed batch. samples/s is the
// batch size over the median seconds per step; GFLOP/s counts 6·B·Σ Din·Dout per step (see
// workloads.ts). PyTorch is tried at a few thread settings and its best per workload is the
// reference of every ratio.

import os from "node:os";
import { Worker } from "node:worker_threads";
import type { Backend } from "@automl/nn";
import { benchEnv } from "./env";
import { formatMarkdown, formatReport } from "./report";
import { PytorchPeer, pytorchProblem, settingLabel, type PeerInfo, type ThreadSetting } from "./pytorch";
import { measureSgemmPeak, type SgemmPeak } from "./sgemm";
import type { MeasureReply, MeasureRequest } from "./measure-thread-main";
import { DEFAULT_TIMING, QUICK_TIMING } from "./timing";
import {
  BACKEND_ORDER,
  isMeasured,
  type BackendLabel,
  type BackendResult,
  type BenchReport,
  type PeerResult,
  type Target,
  type WorkloadResult,
} from "./types";
import { WORKLOADS, flopsPerStep } from "./workloads";

const LEARNING_RATE = 0.01; // small enough that no workload diverges on random labels
const SEED = 1;
/** float32 rounding of one SGD step on a small network stays well under this. */
const AUTOGRAD_TOL = 1e-4;
/** torch.set_num_threads × OPENBLAS_NUM_THREADS tried on this 2-core machine. */
const PEER_SETTINGS: ThreadSetting[] = [
  { torchThreads: 1, openblasThreads: 2 },
  { torchThreads: 1, openblasThreads: 1 },
  { torchThreads: 2, openblasThreads: 1 },
];

function parseArgs(argv: string[]) {
  const get = (k: string) => argv.find((a) => a.startsWith(`--${k}=`))?.split("=")[1]?.split(",");
  const known = ["--json", "--markdown", "--quick"];
  const rounds = Number(get("rounds")?.[0] ?? 2);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: must be an integer ≥ 1`);
  for (const a of argv) {
    if (!known.includes(a) && !["--backends=", "--workloads=", "--rounds="].some((p) => a.startsWith(p))) {
      throw new Error(`unknown argument ${a} (known: --json --markdown --quick --backends=… --workloads=… --rounds=N)`);
    }
  }
  const backends = (get("backends") ?? [...BACKEND_ORDER]) as BackendLabel[];
  for (const b of backends) if (!BACKEND_ORDER.includes(b)) throw new Error(`--backends: unknown backend ${b}`);
  const names = get("workloads") ?? WORKLOADS.map((w) => w.name);
  const workloads = names.map((n) => {
    const w = WORKLOADS.find((x) => x.name === n);
    if (!w) throw new Error(`--workloads: unknown workload ${n} (known: ${WORKLOADS.map((x) => x.name).join(", ")})`);
    return w;
  });
  return { rounds, json: argv.includes("--json"), markdown: argv.includes("--markdown"), timing: argv.includes("--quick") ? QUICK_TIMING : DEFAULT_TIMING, backends, workloads };
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toPrecision(3));

/** Our backends, as far as they load here. */
async function loadBackends(wanted: readonly BackendLabel[]) {
  const out: { native?: Backend; nativeUnavailable?: string; tfjs?: Backend; tfjsEngine?: string; tfjsUnavailable?: string; addon?: unknown } = {};
  {
    // Always: the addon is also the sgemm yardstick.
    try {
      const { loadNative } = await import("@automl/nn-native");
      const n = loadNative();
      if (n.backend) {
        out.native = n.backend;
        out.addon = n.addon;
      } else out.nativeUnavailable = n.reason;
    } catch (err) {
      out.nativeUnavailable = `@automl/nn-native did not load: ${(err as Error).message.split("\n")[0]}`;
    }
  }
  if (wanted.includes("tfjs")) {
    try {
      const { loadTfjsBackend } = await import("@automl/nn-tfjs");
      const t = await loadTfjsBackend();
      out.tfjs = t.backend;
      out.tfjsEngine = t.engine + (t.skipped.length ? ` (${t.skipped.join("; ")})` : "");
    } catch (err) {
      out.tfjsUnavailable = `@automl/nn-tfjs did not load: ${(err as Error).message.split("\n")[0]}`;
    }
  }
  return out;
}

/** One backend × workload in a fresh thread (see measure-thread-main.ts for why). */
function measureInThread(req: MeasureRequest): Promise<MeasureReply> {
  return new Promise((resolve, reject) => {
    const t = new Worker(new URL("./measure-thread.mjs", import.meta.url), { workerData: req });
    t.once("message", (m: MeasureReply) => resolve(m));
    t.once("error", reject);
    t.once("exit", (code) => reject(new Error(`measuring thread exited (${code}) before it answered`)));
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const env = benchEnv();
  const t0 = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0; // the machine is shared: say how busy it was
  const loaded = await loadBackends(args.backends);
  log(`native: ${loaded.native ? "loaded" : loaded.nativeUnavailable}; tfjs: ${loaded.tfjsEngine ?? loaded.tfjsUnavailable}`);

  const problem = pytorchProblem();
  const peers: PytorchPeer[] = [];
  if (problem === null) {
    for (const s of PEER_SETTINGS) peers.push(await PytorchPeer.start(s, env));
    const diff = peers[0]!.info.autogradMaxRelDiff;
    // The peer must compute what we compute; a wrong hand-written backward would be a fake rival.
    if (!(diff <= AUTOGRAD_TOL)) throw new Error(`PyTorch peer's hand-written backprop differs from autograd by ${diff} (> ${AUTOGRAD_TOL})`);
    log(`pytorch ${peers[0]!.info.torch}; hand-written gradients vs autograd: max rel diff ${peers[0]!.info.autogradMaxRelDiff.toExponential(1)}`);
  } else log(`pytorch ${problem}`);

  // sgemm peak at the start (before any network holds BLAS threads) and again at the end: the
  // machine may be shared, so the peak is the better of the two and both are reported.
  const sgemmRuns: SgemmPeak[] = [];
  const sgemmOnce = async (when: string) => {
    try {
      const r = await measureSgemmPeak(loaded.addon, peers[0] ?? null, args.timing === QUICK_TIMING);
      sgemmRuns.push(r);
      log(`sgemm peak (${when}): ${fmt(r.gflops)} GFLOP/s (${r.source}, n = ${r.n})`);
    } catch (err) {
      log(`sgemm peak not measured: ${(err as Error).message}`);
    }
  };
  await sgemmOnce("start");

  const results: WorkloadResult[] = [];
  for (const w of args.workloads) {
    const flops = flopsPerStep(w);
    const unavailable = new Map<BackendLabel, string>();
    // Per backend: the best (fastest median) round, and every round's samples/s.
    const ours = new Map<BackendLabel, { detail?: string; stepSeconds: number; reps: number; finalLoss: number; rounds: number[] }>();
    const peerBest = new Map<string, number>(); // setting → best samples/s over the rounds
    // Rounds alternate our backends and PyTorch on the same workload, so a burst of load from
    // others hits both sides; each keeps its best round. A step slower than slowStepSeconds
    // (js / tfjs on C) is measured in the first round only.
    for (let round = 1; round <= args.rounds; round++) {
      for (const label of args.backends) {
        if (unavailable.has(label)) continue;
        const prev = ours.get(label);
        if (prev && prev.stepSeconds > args.timing.slowStepSeconds) continue;
        const r = await measureInThread({ label, workload: w.name, timing: args.timing, learningRate: LEARNING_RATE, seed: SEED });
        if (!r.ok) {
          unavailable.set(label, r.unavailable);
          log(`${w.name} ${label}: unavailable (${r.unavailable})`);
          continue;
        }
        if (!Number.isFinite(r.finalLoss)) log(`${w.name} ${label}: WARNING the loss is not finite (${r.finalLoss})`);
        const rounds = [...(prev?.rounds ?? []), w.batch / r.stepSeconds];
        ours.set(label, !prev || r.stepSeconds < prev.stepSeconds ? { ...r, rounds } : { ...prev, rounds });
        log(`${w.name} ${label}${r.detail ? ` (${r.detail})` : ""} round ${round}: ${fmt(w.batch / r.stepSeconds)} samples/s, ${fmt(flops / r.stepSeconds / 1e9)} GFLOP/s`);
      }
      for (const p of peers) {
        const r = await p.run(w, args.timing, LEARNING_RATE, SEED);
        if (!r.finite) throw new Error(`PyTorch diverged on ${w.name}`);
        const label = settingLabel(p.setting);
        peerBest.set(label, Math.max(peerBest.get(label) ?? 0, w.batch / r.stepSeconds));
        log(`${w.name} pytorch [${label}] round ${round}: ${fmt(w.batch / r.stepSeconds)} samples/s`);
      }
    }

    let pytorch: PeerResult | null = null;
    if (peers.length > 0) {
      const bySetting = [...peerBest].map(([setting, samplesPerSec]) => ({ setting, samplesPerSec }));
      const best = bySetting.reduce((x, y) => (y.samplesPerSec > x.samplesPerSec ? y : x));
      pytorch = { samplesPerSec: best.samplesPerSec, gflops: ((best.samplesPerSec / w.batch) * flops) / 1e9, setting: best.setting, bySetting };
    }

    const rows: WorkloadResult["backends"] = [];
    for (const label of args.backends) {
      const why = unavailable.get(label);
      const m = ours.get(label);
      if (why !== undefined || !m) {
        rows.push({ backend: label, unavailable: why ?? "not measured" });
        continue;
      }
      const samplesPerSec = w.batch / m.stepSeconds;
      const gflops = flops / m.stepSeconds / 1e9;
      rows.push({
        backend: label,
        ...(m.detail ? { detail: m.detail } : {}),
        samplesPerSec,
        gflops,
        ratioToPytorch: pytorch ? samplesPerSec / pytorch.samplesPerSec : null,
        fractionOfSgemmPeak: null, // filled in once the peak is known
        stepSeconds: m.stepSeconds,
        reps: m.reps,
        rounds: m.rounds,
        finalLoss: m.finalLoss,
      });
    }
    results.push({ name: w.name, what: w.what, dims: w.dims, batch: w.batch, flopsPerStep: flops, pytorch, backends: rows });
  }
  await sgemmOnce("end");
  for (const p of peers) p.stop();
  const sgemm: SgemmPeak | null = sgemmRuns.length
    ? { ...sgemmRuns.reduce((a, b) => (b.gflops > a.gflops ? b : a)), runs: sgemmRuns.map((r) => r.gflops) }
    : null;
  for (const w of results) {
    for (const b of w.backends) if (isMeasured(b)) b.fractionOfSgemmPeak = sgemm ? b.gflops / sgemm.gflops : null;
  }

  const peerInfo: PeerInfo | undefined = peers[0]?.info;
  const report: BenchReport = {
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? "unknown",
      openblasCoretype: env.openblasCoretype ?? null,
      node: process.version,
      loadAverageAtStart: loadAtStart,
    },
    flopFormula: "6·B·Σ(Din·Dout) per training step (forward 2·B·Din·Dout, backward 4·B·Din·Dout per layer)",
    step: `forward + cost + explicit backward + SGD update on one fixed batch, float32; median of timed reps after warm-up, best of ${args.rounds} round(s) per side`,
    timing: args.timing,
    rounds: args.rounds,
    pytorch: peerInfo
      ? { version: peerInfo.torch, settingsTried: PEER_SETTINGS.map(settingLabel), autogradMaxRelDiff: peerInfo.autogradMaxRelDiff }
      : (problem ?? "not started"),
    backendsLoaded: {
      native: loaded.native ? "loaded" : (loaded.nativeUnavailable ?? "not requested"),
      tfjs: loaded.tfjsEngine ?? loaded.tfjsUnavailable ?? "not requested",
    },
    sgemm,
    workloads: results,
    targets: targets(results, sgemm),
    seconds: (performance.now() - t0) / 1000,
  };
  log(`done in ${report.seconds.toFixed(0)} s`);
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : args.markdown ? formatMarkdown(report) : formatReport(report));
}

/** The issue's acceptance figures, read off this run (informative: a bench asserts nothing). */
function targets(results: WorkloadResult[], sgemm: SgemmPeak | null): Target[] {
  const row = (w: string, b: BackendLabel) => {
    const r = results.find((x) => x.name === w)?.backends.find((x) => x.backend === b);
    return r && isMeasured(r) ? r : undefined;
  };
  const best = (w: string) => {
    const rs = [row(w, "native"), row(w, "auto")].filter((r): r is BackendResult => r !== undefined);
    return rs.length ? rs.reduce((a, b) => (b.samplesPerSec > a.samplesPerSec ? b : a)) : undefined;
  };
  const ratio = (r: BackendResult | undefined) => r?.ratioToPytorch ?? null;
  const list = [
    { target: "native (or auto) ≥ 1.0× PyTorch on A", value: ratio(best("A")), need: 1.0 },
    { target: "native (or auto) ≥ 1.0× PyTorch on C", value: ratio(best("C")), need: 1.0 },
    { target: "auto ≥ 20× PyTorch on B batch 4", value: ratio(row("B4", "auto")), need: 20 },
    { target: "C ≥ 60% of sgemm peak", value: sgemm ? (best("C")?.fractionOfSgemmPeak ?? null) : null, need: 0.6 },
  ];
  return list.map((t) => ({ ...t, met: t.value === null ? null : t.value >= t.need }));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
