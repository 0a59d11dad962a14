// The PyTorch peer as a child process per thread setting (BLAS threads are fixed when a process
// starts), spoken to in JSON lines so its measurements can sit right next to ours.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BenchEnv } from "./env";
import type { Measured, Timing } from "./timing";
import type { Workload } from "./workloads";

/** Debian's interpreter: python3-torch is installed for it, not for whatever python3 is on PATH. */
export const SYSTEM_PYTHON = "/usr/bin/python3";
export const PYTORCH_MISSING = "missing: apt-get install -y python3-torch";
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "pytorch_mlp.py");

/** torch.set_num_threads × OPENBLAS_NUM_THREADS: the settings tried; the best per workload is kept. */
export interface ThreadSetting {
  torchThreads: number;
  openblasThreads: number;
}

export function settingLabel(s: ThreadSetting): string {
  return `torch.set_num_threads(${s.torchThreads}), OPENBLAS_NUM_THREADS=${s.openblasThreads}`;
}

export interface PeerInfo {
  torch: string;
  torchThreads: number;
  openblasThreads: string | null;
  openblasCoretype: string | null;
  autogradMaxRelDiff: number;
}

export interface PeerRun extends Measured {
  loss: number;
  finite: boolean;
}

/** null when PyTorch is usable, else why not. */
export function pytorchProblem(): string | null {
  if (!existsSync(SYSTEM_PYTHON)) return PYTORCH_MISSING;
  const r = spawnSync(SYSTEM_PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  return r.status === 0 ? null : PYTORCH_MISSING;
}

export class PytorchPeer {
  private constructor(
    readonly setting: ThreadSetting,
    readonly info: PeerInfo,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly rl: Interface,
  ) {}

  static async start(setting: ThreadSetting, env: BenchEnv): Promise<PytorchPeer> {
    const child = spawn(SYSTEM_PYTHON, [SCRIPT, String(setting.torchThreads)], {
      env: env.childEnv({ OPENBLAS_NUM_THREADS: String(setting.openblasThreads) }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const rl = createInterface({ input: child.stdout });
    const lines = rl[Symbol.asyncIterator]();
    const first = await lines.next();
    if (first.done) throw new Error(`PyTorch peer exited before it started: ${stderr.trim().split("\n").pop() ?? ""}`);
    return new PytorchPeer(setting, JSON.parse(first.value) as PeerInfo, child, lines, rl);
  }

  private async request<T>(req: object): Promise<T> {
    this.child.stdin.write(JSON.stringify(req) + "\n");
    const line = await this.lines.next();
    if (line.done) throw new Error("PyTorch peer exited");
    const out = JSON.parse(line.value) as T & { error?: string };
    if (out.error !== undefined) throw new Error(`PyTorch peer: ${out.error}`);
    return out;
  }

  run(w: Workload, timing: Timing, lr: number, seed: number): Promise<PeerRun> {
    return this.request<PeerRun>({ op: "workload", ...w, lr, seed, timing });
  }

  sgemm(n: number, seconds: number): Promise<{ n: number; gflops: number; reps: number }> {
    return this.request({ op: "sgemm", n, seconds });
  }

  stop(): void {
    this.rl.close();
    this.child.stdin.end();
  }
}
