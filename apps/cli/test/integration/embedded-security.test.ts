import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "@automl/common";
import { CoordinatorApi } from "../../src/client";
import { freePort } from "@automl/common";
import { automl, REPO_ROOT, stop, type Proc } from "../support";

const dashboardBuilt = existsSync(join(REPO_ROOT, "apps", "dashboard", ".next", "BUILD_ID"));
if (!dashboardBuilt && process.env.CI === "true") throw new Error("the dashboard must be built under CI (npm run build)");

const STUDY = `
name: loopback
dataset: { builtin: xor, n: 80 }
task: binary
space: { depth: 1, width: 4, activation: relu, learningRate: 0.3, batchSize: 16, epochs: 3 }
cv: { folds: 2 }
objective: { metric: accuracy, direction: maximize }
budget: { trials: 2, parallel: 2 }
seed: 1
`;

/** `pid` and every process below it (the dashboard is a child of `automl run`). */
function processTree(pid: number): Set<number> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      // The field after the parenthesized command name is the state, then the parent pid.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of parent) if (!tree.has(p) && tree.has(pp)) (tree.add(p), (grew = true));
  }
  return tree;
}

/** host:port of every TCP listener owned by one of `pids` (iproute2's `ss`). */
function listeners(pids: Set<number>): string[] {
  const out = execFileSync("ss", ["-ltnpH"], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => [...line.matchAll(/pid=(\d+)/g)].some((m) => pids.has(Number(m[1]))))
    .map((line) => line.trim().split(/\s+/)[3] ?? "");
}

/**
 * The zero-setup stack of `automl run` (PGlite's socket, the coordinator's gRPC, the dashboard)
 * listens on 127.0.0.1 only, and its coordinator answers only the token made for that run.
 */
describe.skipIf(!dashboardBuilt)("embedded stack: loopback only, and a per-run gRPC token", () => {
  const home = mkdtempSync(join(tmpdir(), "automl-loopback-"));
  let run: Proc | undefined;
  afterAll(async () => {
    if (run) {
      run.child.kill("SIGINT");
      await stop(run);
    }
    rmSync(home, { recursive: true, force: true });
  });

  it("every listener of `automl run` and its dashboard is on 127.0.0.1; its gRPC refuses a call without the run's token", async () => {
    writeFileSync(join(home, "study.yaml"), STUDY);
    // No --no-dashboard: after the study, the dashboard is served until Ctrl-C.
    run = automl(["run", join(home, "study.yaml")], { AUTOML_HOME: home, AUTOML_DASHBOARD_PORT: String(await freePort()) });
    const deadline = Date.now() + 180_000;
    while (!/dashboard: http:\/\/127\.0\.0\.1:\d+/.test(run.stderr())) {
      if (run.child.exitCode !== null || Date.now() > deadline) throw new Error(`no dashboard: exit ${run.child.exitCode}\n${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const addrs = listeners(processTree(run.child.pid!));
    // PGlite's socket, the coordinator and the dashboard at least.
    expect(addrs.length, addrs.join(" ")).toBeGreaterThanOrEqual(3);
    expect(addrs.filter((a) => !a.startsWith("127.0.0.1:")), addrs.join(" ")).toEqual([]);

    // Exactly one listener speaks gRPC, and it wants the run's token, which this test lacks.
    const answers: string[] = [];
    for (const addr of addrs) {
      const api = new CoordinatorApi(addr);
      try {
        await api.listStudies(1);
        answers.push("ok");
      } catch (err) {
        answers.push(err instanceof AppError ? err.code : "error");
      } finally {
        api.close();
      }
    }
    expect(answers.filter((a) => a === "UNAUTHENTICATED")).toHaveLength(1);
    expect(answers).not.toContain("ok");
  }, 240_000);
});
