// npm run bench:e2e — whole studies, ours against the Optuna scripts a user would write, in one run:
//   (a) examples/xor.yaml embedded (`automl run`, PGlite, in-process threads) and distributed
//       (coordinator + 2 workers on the local Postgres and NATS), and Optuna 3.1 + sklearn MLPClassifier;
//   (b) bench/e2e/tiny.yaml, 1,000 tiny trials with real training, distributed, and the same with Optuna + sklearn;
//   (c) examples/fashion-mnist.yaml embedded, and Optuna + PyTorch (autograd, torch.optim.SGD).
// Prints a table (with the load average at the start: other work on the machine skews every figure)
// and one JSON document on stdout. Study seconds: ours from the study's createdAt to finishedAt
// (Postgres), the peers' from study.optimize's start to its end; both exclude process start-up,
// which is reported separately for ours (`processSeconds`, e.g. what `npm start` waits for).
// Options: --only a,b,c (any of xor-embedded, xor-distributed, xor-sklearn, tiny, tiny-sklearn,
// fashion, fashion-torch), --tiny-trials N, --workers N, --tiny-concurrency N (slots per worker),
// --profile DIR (CPU profiles of every process of ours; see docs/performance.md).
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

const { values: args } = parseArgs({
  options: {
    only: { type: "string", default: "xor-embedded,xor-distributed,xor-sklearn,tiny,tiny-sklearn,fashion,fashion-torch" },
    "tiny-trials": { type: "string", default: "1000" },
    workers: { type: "string", default: "2" },
    "tiny-concurrency": { type: "string", default: "4" },
    /** Write a V8 CPU profile of every process of ours (CLI, coordinator, workers, their threads) under this folder. */
    profile: { type: "string" },
  },
});
const ONLY = new Set(args.only.split(","));
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
async function automlRun(file: string, env: Record<string, string>): Promise<Side> {
  const { stdout, seconds } = await capture(process.execPath, [...profileFlags("cli"), AUTOML_BIN, "run", file, "--json", "--no-dashboard"], baseEnv(env));
  const doc = JSON.parse(stdout) as { study: { status: string; createdAt: string; finishedAt: string; counts: Record<string, number> }; best: { cv: { mean: number } } | null };
  if (doc.study.status !== "COMPLETED") throw new Error(`${file}: study ended ${doc.study.status}`);
  const studySeconds = (Date.parse(doc.study.finishedAt) - Date.parse(doc.study.createdAt)) / 1000;
  const trials = Object.values(doc.study.counts).reduce((a, b) => a + b, 0);
  return { seconds: studySeconds, trials, trialsPerSecond: trials / studySeconds, best: doc.best?.cv.mean ?? NaN, processSeconds: seconds };
}

async function embedded(file: string): Promise<Side> {
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
async function distributed(file: string, concurrency: number): Promise<Side> {
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

/** The Optuna + PyTorch peer on the example's 10,000 Fashion-MNIST images (the same stratified subset). */
async function torchPeer(file: string, dir: string): Promise<Side> {
  const s = parseYaml(readFileSync(join(REPO_ROOT, file), "utf8")) as StudyYaml & { space: { momentum: number } };
  const data = loadBuiltinFile("fashion-mnist", { n: s.dataset.n, seed: s.seed });
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
    seed: s.seed,
  };
  writeFileSync(join(dir, "fashion.json"), JSON.stringify(spec));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" };
  return JSON.parse((await capture(PYTHON, [join(REPO_ROOT, "bench", "e2e", "optuna_torch.py"), join(dir, "fashion.json"), join(dir, "X.f32"), join(dir, "y.f32")], env)).stdout) as Side;
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
  try {
    await step("xor-embedded", () => embedded("examples/xor.yaml"));
    await step("xor-distributed", () => distributed("examples/xor.yaml", 1));
    await step("xor-sklearn", () => sklearnPeer("examples/xor.yaml", dir));
    await step("tiny", () => distributed(tinyFile, Number(args["tiny-concurrency"])));
    await step("tiny-sklearn", () => sklearnPeer(tinyFile.startsWith("/") ? tinyFile.slice(REPO_ROOT.length + 1) : tinyFile, dir));
    await step("fashion", () => embedded("examples/fashion-mnist.yaml"));
    await step("fashion-torch", () => torchPeer("examples/fashion-mnist.yaml", dir));
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
  };
  const machine = { started, loadavg1: load[0], loadavg5: load[1], loadavg15: load[2], cpus: availableParallelism(), cpu: cpus()[0]?.model ?? "", node: process.version };
  const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(d));
  const lines = [
    `bench:e2e  ${started}  load average at start ${load.map((x) => x.toFixed(2)).join(" ")}  (${machine.cpus} CPUs)`,
    "| run | study s | trials/s | best | process s |",
    "|---|---|---|---|---|",
    ...Object.entries(runs).map(([k, r]) => `| ${k} | ${f(r.seconds)} | ${f(r.trialsPerSecond, 1)} | ${f(r.best, 4)} | ${f(r.processSeconds)} |`),
    "",
    ...Object.entries(ratios).map(([k, v]) => `${k}: ${v === null ? "–" : `${v.toFixed(2)}× (peer seconds / ours)`}`),
  ];
  process.stderr.write(`${lines.join("\n")}\n`);
  process.stdout.write(`${JSON.stringify({ machine, runs, ratios }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench:e2e] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
