// Runs one method on one objective for one seed and reads its regret at each checkpoint. Ours run
// in-process through the public Sampler API; Optuna's run in a Python process (optuna_bridge.py)
// that asks this process for every value, so both sides evaluate the same TypeScript objective.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import type { FinishedTrial, Params, Sampler } from "@automl/search";
import type { MfTrial } from "./multifidelity";
import { regret, type SuiteObjective } from "./objective";

const PYTHON = "/usr/bin/python3";
const BRIDGE = path.join(path.dirname(fileURLToPath(import.meta.url)), "optuna_bridge.py");

/** The noise seed of trial `t` of run `seed`: the same for every method. */
export const trialSeed = (seed: number, t: number) => seed * 100_003 + t;

/**
 * Regret at each checkpoint of the observed sequence: the incumbent is the trial with the best
 * observed value so far; its regret is taken at its true (noise-free) value.
 */
export function regretCurve(obj: SuiteObjective, observed: readonly { params: Params; value: number }[], checkpoints: readonly number[]): number[] {
  const sign = obj.direction === "maximize" ? 1 : -1;
  const out: number[] = [];
  let best = -Infinity;
  let incumbent: Params | undefined;
  let c = 0;
  for (let t = 0; t < observed.length && c < checkpoints.length; t++) {
    if (sign * observed[t]!.value > best) [best, incumbent] = [sign * observed[t]!.value, observed[t]!.params];
    if (t + 1 === checkpoints[c]) {
      out.push(regret(obj, obj.trueValue ? obj.trueValue(incumbent!) : sign * best));
      c++;
    }
  }
  return out;
}

export function runOurs(obj: SuiteObjective, sampler: Sampler, seed: number, checkpoints: readonly number[]): number[] {
  const n = checkpoints[checkpoints.length - 1]!;
  const trials: FinishedTrial[] = [];
  const observed: { params: Params; value: number }[] = [];
  for (let number = 0; number < n; number++) {
    const params = sampler.suggest({ space: obj.space, seed, number, trials, directions: [obj.direction] });
    const value = obj.evaluate(params, trialSeed(seed, number));
    trials.push({ number, params, state: "COMPLETE", values: [value] });
    observed.push({ params, value });
  }
  return regretCurve(obj, observed, checkpoints);
}

/** One Python process running Optuna runs one after another. */
export class OptunaBridge {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;

  constructor() {
    this.proc = spawn(PYTHON, [BRIDGE], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    this.proc.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    this.proc.on("exit", (code) => {
      if (code) process.stderr.write(`optuna bridge exited ${code}: ${stderr}\n`);
    });
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  private async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error("optuna bridge closed its output (is python3-optuna installed?)");
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  async run(obj: SuiteObjective, method: string, seed: number, checkpoints: readonly number[]): Promise<number[]> {
    const trials = checkpoints[checkpoints.length - 1]!;
    this.proc.stdin.write(JSON.stringify({ run: { space: obj.space, direction: obj.direction, method, seed, trials } }) + "\n");
    const observed: { params: Params; value: number }[] = [];
    for (;;) {
      const msg = await this.next();
      if (msg.end) break;
      const params = msg.params as Params;
      const value = obj.evaluate(params, trialSeed(seed, observed.length));
      observed.push({ params, value });
      this.proc.stdin.write(JSON.stringify({ value }) + "\n");
    }
    return regretCurve(obj, observed, checkpoints);
  }

  /** A multi-fidelity run (multifidelity.ts): Optuna's sampler and pruner until `budget` epochs are spent. */
  async runMf(obj: SuiteObjective, method: string, pruner: Record<string, unknown> | undefined, seed: number, budget: number): Promise<MfTrial[]> {
    const curve = obj.curve!;
    this.proc.stdin.write(JSON.stringify({ run: { space: obj.space, direction: obj.direction, method, seed, budget, pruner: pruner ?? null } }) + "\n");
    const out: MfTrial[] = [];
    for (;;) {
      const msg = await this.next();
      if (msg.end) break;
      const params = msg.params as Params;
      this.proc.stdin.write(JSON.stringify({ curve: Array.from({ length: curve.maxEpochs }, (_, e) => curve.at(params, e + 1, seed)) }) + "\n");
      const done = (await this.next()).done as { epochs: number; complete: boolean };
      out.push({ params, epochs: done.epochs, ...(done.complete ? { value: curve.at(params, curve.maxEpochs, seed) } : {}) });
    }
    return out;
  }

  close(): void {
    this.proc.stdin.end();
  }
}
