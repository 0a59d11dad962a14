// npm run bench:e2e — whole studies, ours against the Optuna scripts a user would write, in one run:
//   (a) examples/xor.yaml embedded (`automl run`, PGlite, in-process threads) and distributed
//       (coordinator + 2 workers on the local Postgres and NATS), and Optuna 3.1 + sklearn MLPClassifier;
//   (b) bench/e2e/tiny.yaml, 1,000 tiny trials with real training, distributed, and the same with Optuna + sklearn;
//   (c) examples/fashion-mnist.yaml embedded, and Optuna + PyTorch (autograd, torch.optim.SGD) training
//       the same configurations: the peer's study enqueues, in order, the configurations our study trained
//       (`automl run --json`'s trials[].params), so both sides do the same work. `--fashion-peer random`
//       lets the peer sample its own instead (RandomSampler, as before), a different workload.
// Prints a table (with the load average at the start: other work on the machine skews every figure)
// and one JSON document on stdout. Study seconds: ours from the study's createdAt to finishedAt
// (Postgres), the peers' from study.optimize's start to its end; both exclude process start-up,
// which is reported separately for ours (`processSeconds`, e.g. what `npm start` waits for). Trial
// seconds (fashion only): the sum of every trial's own seconds, ours from each trial's startedAt to
// finishedAt, the peer's timed inside its objective.
// Options: --only a,b,c (any of xor-embedded, xor-distributed, xor-sklearn, tiny, tiny-sklearn,
// fashion, fashion-torch; fashion-torch needs fashion unless --fashion-peer random),
// --fashion-peer same|random (default same), --tiny-trials N, --workers N, --tiny-concurrency N
// (slots per worker), --profile DIR (CPU profiles of every process of ours; see docs/performance.md).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { freePort } from "@automl/common";
import { generateDataset, loadBuiltinFile } from "@automl/datasets";
import { createTestDatabase, TEST_ADMIN_URL } from "@automl/db/testing";
import { TEST_NATS_URL, uniqueStreamNames } from "@automl/messaging/testing";
import { REPO_ROOT } from "../load/support";
import { ceiling, type Ceiling } from "./ceiling";

const { values: args } = parseArgs({
  options: {
    only: { type: "string", default: "xor-embedded,xor-distributed,xor-sklearn,tiny,tiny-sklearn,fashion,fashion-torch" },
    "tiny-trials": { type: "string", default: "1000" },
    workers: { type: "string", default: "2" },
    "tiny-concurrency": { type: "string", default: "4" },
    /** same: the torch peer trains the configurations our fashion study trained; random: it samples its own. */
    "fashion-peer": { type: "string", default: "same" },
    /** Write a V8 CPU profile of every process of ours (CLI, coordinator, workers, their threads) under this folder. */
    profile: { type: "string" },
  },
});
const ONLY = new Set(args.only.split(","));
const FASHION_PEER = args["fashion-peer"];
const usageError = (msg: string): never => {
  process.stderr.write(`[bench:e2e] ${msg}\n`);
  process.exit(2);
};
if (FASHION_PEER !== "same" && FASHION_PEER !== "random") usageError(`--fashion-peer ${FASHION_PEER}: expected same or random`);
if (FASHION_PEER === "same" && ONLY.has("fashion-torch") && !ONLY.has("fashion")) usageError("fashion-torch trains the fashion study's configurations: add fashion to --only, or pass --fashion-peer random");
const WORKLOAD = { same: "same configurations", random: "random sampling (each side its own configurations)" }[FASHION_PEER];
const WORKERS = Number(args.workers);
const AUTOML_BIN = join(REPO_ROOT, "apps", "cli", "bin", "automl.mjs");
const PYTHON = "/usr/bin/python3";
let profiled = 0;
const profileFlags = (who: string): string[] => (args.profile ? ["--cpu-prof", `--cpu-prof-dir=${join(args.profile, `${++profiled}-${who}`)}`] : []);
const log = (msg: string) => process.stderr.write(`[bench:e2e] ${msg}\n`);

interface Side {
  seconds: number;
  trials: number;
  trialsPerSecond: number;
  best: number;
  processSeconds?: number;
  /** The sum of the trials' own seconds (fashion). */
  trialSeconds?: number;
  /** Each trial's CV score in trial order (fashion). */
  scores?: (number | null)[];
  /** fashion-torch: whose configurations it trained. */
  workload?: string;
  /** fashion-torch with the same configurations: those it trained, in trial order. */
  configs?: { widths: number[]; activations: string[]; learningRate: number; batchSize: number }[];
}

/** A trial's parameters as `automl run --json` prints them (the fields the torch peer needs). */
interface TrialParams {
  depth: number;
  widths: number[];
  activations: string[];
  learningRate: number;
  batchSize: number;
  momentum: number;
  epochs: number;
  leakyAlpha: number;
  weightDecay: number;
  output: string;
}

interface TrialJson {
  number: number;
  status: string;
  params: TrialParams;
  cv: { mean: number } | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What `automl run --json` returned: the side's figures and the trials it ran. */
interface OurRun {
  side: Side;
  trials: TrialJson[];
}

/** Our environment without any distributed-mode variables the caller's shell may carry. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AUTOML_")));
  return { ...env, AUTOML_LOG_LEVEL: "warn", ...extra };
}

function capture(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve({ stdout, seconds: (performance.now() - t0) / 1000 }) : reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}: ${stderr}`))));
  });
}

/** `automl run <file> --json`; study time from the study's own timestamps. */
async function automlRun(file: string, env: Record<string, string>): Promise<OurRun> {
  const { stdout, seconds } = await capture(process.execPath, [...profileFlags("cli"), AUTOML_BIN, "run", file, "--json", "--no-dashboard"], baseEnv(env));
  const doc = JSON.parse(stdout) as { study: { status: string; createdAt: string; finishedAt: string; counts: Record<string, number> }; trials: TrialJson[]; best: { cv: { mean: number } } | null };
  if (doc.study.status !== "COMPLETED") throw new Error(`${file}: study ended ${doc.study.status}`);
  const studySeconds = (Date.parse(doc.study.finishedAt) - Date.parse(doc.study.createdAt)) / 1000;
  const trials = Object.values(doc.study.counts).reduce((a, b) => a + b, 0);
  return { side: { seconds: studySeconds, trials, trialsPerSecond: trials / studySeconds, best: doc.best?.cv.mean ?? NaN, processSeconds: seconds }, trials: [...doc.trials].sort((a, b) => a.number - b.number) };
}

/** The sum of the trials' own seconds (startedAt to finishedAt) and their scores in trial order. */
function trialFigures(trials: TrialJson[]): Pick<Side, "trialSeconds" | "scores"> {
  const own = trials.map((t) => (t.startedAt && t.finishedAt ? (Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000 : 0));
  return { trialSeconds: own.reduce((a, b) => a + b, 0), scores: trials.map((t) => t.cv?.mean ?? null) };
}

async function embedded(file: string): Promise<OurRun> {
  const home = mkdtempSync(join(tmpdir(), "bench-e2e-"));
  try {
    return await automlRun(file, { AUTOML_HOME: home });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function start(argv: string[], env: NodeJS.ProcessEnv, name: string): ChildProcess {
  const child = spawn(process.execPath, [...profileFlags(name.replace(" ", "-")), AUTOML_BIN, ...argv], { cwd: REPO_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  let tail = "";
  child.stderr!.on("data", (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  child.once("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGTERM") log(`${name} exited (${code ?? signal}): ${tail}`);
  });
  return child;
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A coordinator and WORKERS workers (`concurrency` slots each) on a fresh database and stream; the study through `automl run`. */
async function distributed(file: string, concurrency: number): Promise<OurRun> {
  const database = await createTestDatabase(TEST_ADMIN_URL);
  const names = uniqueStreamNames();
  const addr = `127.0.0.1:${await freePort()}`;
  const env = {
    AUTOML_DATABASE_URL: database.url,
    AUTOML_NATS_URL: TEST_NATS_URL,
    AUTOML_NATS_STREAM: names.stream,
    AUTOML_NATS_SUBJECT_PREFIX: names.subjectPrefix,
    AUTOML_GRPC_LISTEN: addr,
    AUTOML_COORDINATOR_ADDR: addr,
  };
  const children: ChildProcess[] = [];
  try {
    const coordHealth = `127.0.0.1:${await freePort()}`;
    children.push(start(["coordinator"], baseEnv({ ...env, AUTOML_HEALTH_LISTEN: coordHealth }), "coordinator"));
    await until("the coordinator", async () => (await fetch(`http://${coordHealth}/readyz`)).status === 200, 120_000);
    const health: string[] = [];
    for (let i = 0; i < WORKERS; i++) {
      const h = `127.0.0.1:${await freePort()}`;
      health.push(h);
      children.push(start(["worker"], baseEnv({ ...env, AUTOML_WORKER_CONCURRENCY: String(concurrency), AUTOML_HEALTH_LISTEN: h }), `worker ${i + 1}`));
    }
    for (const h of health) await until(`worker at ${h}`, async () => (await fetch(`http://${h}/readyz`)).status === 200, 120_000);
    return await automlRun(file, env);
  } finally {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
            setTimeout(() => c.kill("SIGKILL"), 15_000).unref();
          }),
      ),
    );
    await database.drop().catch(() => {});
  }
}

type StudyYaml = {
  dataset: { builtin: string; n?: number; noise?: number };
  space: Record<string, unknown>;
  cv: { folds: number };
  budget: { trials: number };
  seed: number;
};

const range = (v: unknown): [number, number] => ((v as { int?: [number, number]; float?: [number, number] }).int ?? (v as { float: [number, number] }).float);
const fixedOrRange = (v: unknown): [number, number] => (typeof v === "number" ? [v, v] : range(v));
const choices = (v: unknown): unknown[] => (Array.isArray((v as { choice?: unknown[] }).choice) ? (v as { choice: unknown[] }).choice : [v]);

/** The Optuna + sklearn peer on the study file's own data (the same generator and seed), space, folds and epochs. */
async function sklearnPeer(file: string, dir: string): Promise<Side> {
  const s = parseYaml(readFileSync(join(REPO_ROOT, file), "utf8")) as StudyYaml;
  const data = generateDataset({ builtin: s.dataset.builtin as "xor", n: s.dataset.n, noise: s.dataset.noise }, s.seed);
  const X = Array.from({ length: data.n }, (_, i) => [data.X[i * 2]!, data.X[i * 2 + 1]!]);
  const width = s.space.width as { int: [number, number]; log?: boolean };
  const spec = {
    X,
    y: Array.from(data.y),
    folds: s.cv.folds,
    epochs: s.space.epochs,
    trials: s.budget.trials,
    depth: fixedOrRange(s.space.depth),
    width: [...width.int, width.log ?? false],
    activations: choices(s.space.activation),
    lr: range(s.space.learningRate),
    batch: choices(s.space.batchSize),
    seed: s.seed,
  };
  const path = join(dir, `${file.replace(/\W/g, "_")}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return JSON.parse((await capture(PYTHON, [join(REPO_ROOT, "bench", "e2e", "optuna_sklearn.py"), path], process.env)).stdout) as Side;
}

const FASHION_FILE = "examples/fashion-mnist.yaml";
type FashionYaml = StudyYaml & { space: { momentum: number; epochs: number }; budget: { parallel: number } };
let fashionInputs: { s: FashionYaml; data: ReturnType<typeof loadBuiltinFile> } | undefined;
/** The Fashion-MNIST study file and its stratified subset, read once for the peer and the floor. */
function fashion(): NonNullable<typeof fashionInputs> {
  if (!fashionInputs) {
    const s = parseYaml(readFileSync(join(REPO_ROOT, FASHION_FILE), "utf8")) as FashionYaml;
    fashionInputs = { s, data: loadBuiltinFile("fashion-mnist", { n: s.dataset.n, seed: s.seed }) };
  }
  return fashionInputs;
}

/**
 * The Optuna + PyTorch peer on the example's 10,000 Fashion-MNIST images (the same stratified
 * subset). With `ours` (the trials our study ran) it trains exactly those configurations, in trial
 * order; without, it samples its own from the study file's space.
 */
async function torchPeer(dir: string, ours: TrialJson[] | null): Promise<Side> {
  const { s, data } = fashion();
  writeFileSync(join(dir, "X.f32"), Buffer.from(data.X.buffer, data.X.byteOffset, data.X.byteLength));
  writeFileSync(join(dir, "y.f32"), Buffer.from(data.y.buffer, data.y.byteOffset, data.y.byteLength));
  const spec = {
    n: data.n,
    d: data.d,
    classes: data.classes,
    folds: s.cv.folds,
    epochs: s.space.epochs,
    trials: s.budget.trials,
    depth: range(s.space.depth),
    width: range(s.space.width),
    activations: choices(s.space.activation),
    lr: range(s.space.learningRate),
    batch: choices(s.space.batchSize),
    momentum: s.space.momentum,
    leakyAlpha: 0.01,
    seed: s.seed,
  };
  const configs = ours?.map(({ number, params: p }) => {
    // The script trains every trial with the file's epochs, momentum, leaky slope, no weight
    // decay and the default softmax output: a trial of ours that differs would not be the same work.
    if (p.epochs !== spec.epochs || p.momentum !== spec.momentum || p.leakyAlpha !== spec.leakyAlpha || p.weightDecay !== 0 || (p.output !== "" && p.output !== "softmax"))
      throw new Error(`trial #${number} of ${FASHION_FILE} has params the torch peer does not train: ${JSON.stringify(p)}`);
    return { widths: p.widths, activations: p.activations, learningRate: p.learningRate, batchSize: p.batchSize };
  });
  writeFileSync(join(dir, "fashion.json"), JSON.stringify(configs ? { ...spec, configs } : spec));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  const side = JSON.parse((await capture(PYTHON, [join(REPO_ROOT, "bench", "e2e", "optuna_torch.py"), join(dir, "fashion.json"), join(dir, "X.f32"), join(dir, "y.f32")], env)).stdout) as Side;
  return { ...side, workload: WORKLOAD, ...(configs ? { configs } : {}) };
}

/**
 * The Fashion-MNIST study's floor on this machine: its trials' work at the sgemm peak of one
 * thread (ceiling.ts), measured in a child process because OpenBLAS sizes its pool when it loads.
 */
async function ceilingOf(trials: TrialJson[]): Promise<Ceiling> {
  const { s, data } = fashion();
  const work = { n: data.n, d: data.d, classes: data.classes, folds: s.cv.folds, epochs: s.space.epochs, widths: trials.map((t) => t.params.widths) };
  const peak = await capture(process.execPath, ["--import", "tsx", join(REPO_ROOT, "bench", "e2e", "sgemm-peak.ts")], { ...process.env, OPENBLAS_NUM_THREADS: "1" });
  return ceiling(work, s.budget.parallel, (JSON.parse(peak.stdout) as { gflops: number }).gflops);
}

async function main(): Promise<void> {
  const load = loadavg();
  const started = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), "bench-e2e-data-"));
  const tinyTrials = Number(args["tiny-trials"]);
  let tinyFile = "bench/e2e/tiny.yaml";
  if (tinyTrials !== 1000) {
    tinyFile = join(dir, "tiny.yaml");
    writeFileSync(tinyFile, readFileSync(join(REPO_ROOT, "bench/e2e/tiny.yaml"), "utf8").replace("trials: 1000", `trials: ${tinyTrials}`));
  }
  const runs: Record<string, Side> = {};
  const step = async (name: string, f: () => Promise<Side>) => {
    if (!ONLY.has(name)) return;
    log(`${name} …`);
    runs[name] = await f();
    log(`${name}: ${runs[name].seconds.toFixed(2)} s, best ${runs[name].best.toFixed(4)}`);
  };
  const side = async (run: Promise<OurRun>) => (await run).side;
  let fashionTrials: TrialJson[] | null = null;
  let fashionCeiling: Ceiling | null = null;
  try {
    await step("xor-embedded", () => side(embedded("examples/xor.yaml")));
    await step("xor-distributed", () => side(distributed("examples/xor.yaml", 1)));
    await step("xor-sklearn", () => sklearnPeer("examples/xor.yaml", dir));
    await step("tiny", () => side(distributed(tinyFile, Number(args["tiny-concurrency"]))));
    await step("tiny-sklearn", () => sklearnPeer(tinyFile.startsWith("/") ? tinyFile.slice(REPO_ROOT.length + 1) : tinyFile, dir));
    await step("fashion", async () => {
      const ours = await embedded(FASHION_FILE);
      fashionTrials = ours.trials;
      return { ...ours.side, ...trialFigures(ours.trials) };
    });
    await step("fashion-torch", () => torchPeer(dir, FASHION_PEER === "same" ? fashionTrials : null));
    if (fashionTrials && ONLY.has("fashion-torch")) fashionCeiling = await ceilingOf(fashionTrials);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Peer seconds ÷ ours: above 1 means ours finished the same study sooner.
  const ratio = (peer: string, ours: string) => (runs[peer] && runs[ours] ? runs[peer].seconds / runs[ours].seconds : null);
  const ratios = {
    xorEmbeddedVsSklearn: ratio("xor-sklearn", "xor-embedded"),
    xorDistributedVsSklearn: ratio("xor-sklearn", "xor-distributed"),
    tinyDistributedVsSklearn: ratio("tiny-sklearn", "tiny"),
    fashionEmbeddedVsTorch: ratio("fashion-torch", "fashion"),
    // The highest ratio any fp32 engine could reach on this study in this run (ceiling.ts).
    fashionCeilingVsTorch: fashionCeiling && runs["fashion-torch"] ? runs["fashion-torch"].seconds / fashionCeiling.floorSeconds : null,
  };
  const workload = { fashion: runs["fashion-torch"] ? WORKLOAD : null };
  const machine = { started, loadavg1: load[0], loadavg5: load[1], loadavg15: load[2], cpus: availableParallelism(), cpu: cpus()[0]?.model ?? "", node: process.version };
  const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d));
  const lines = [
    `bench:e2e  ${started}  load average at start ${load.map((x) => x.toFixed(2)).join(" ")}  (${machine.cpus} CPUs)`,
    "| run | study s | trials/s | best | process s | trial s (sum) |",
    "|---|---|---|---|---|---|",
    ...Object.entries(runs).map(([k, r]) => `| ${k} | ${f(r.seconds)} | ${f(r.trialsPerSecond, 1)} | ${f(r.best, 4)} | ${f(r.processSeconds)} | ${f(r.trialSeconds)} |`),
    "",
    ...(workload.fashion ? [`fashion-torch workload: ${workload.fashion}`, ""] : []),
    ...(fashionCeiling
      ? [
          `fashion floor: ${f(fashionCeiling.equalWorkFlops / 1e9, 0)} GFLOP of equal work (+${f(fashionCeiling.recordedFlops / 1e9, 0)} for our per-epoch validation) at ${fashionCeiling.slots} × ${f(fashionCeiling.sgemmPeakGflops, 1)} GFLOP/s (1-thread sgemm peak) = ${f(fashionCeiling.floorSeconds)} s (${f(fashionCeiling.floorSecondsWithRecorded)} s with it)`,
          `fashionCeilingVsTorch: ${f(ratios.fashionCeilingVsTorch ?? undefined)}× (peer seconds / the floor: no fp32 engine could report more)`,
          "",
        ]
      : []),
    ...Object.entries(ratios)
      .filter(([k]) => k !== "fashionCeilingVsTorch") // on the floor's lines above
      .map(([k, v]) => `${k}: ${v === null ? "–" : `${v.toFixed(2)}× (peer seconds / ours)`}`),
  ];
  process.stderr.write(`${lines.join("\n")}\n`);
  process.stdout.write(`${JSON.stringify({ machine, workload, runs, ratios, ...(fashionCeiling ? { fashionCeiling } : {}) }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench:e2e] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
