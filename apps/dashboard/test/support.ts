import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, silentLogger } from "@automl/common";
import { startTestStack, type TestStack } from "@automl/coordinator/testing";
import { startWorker } from "@automl/worker";

/** Debian Chromium, headless, with nothing that would reach for the network. */
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** Polls until the server answers HTTP at all (any status), or fails with its output. */
export async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(5_000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`next start did not answer on ${url} within ${timeoutMs} ms:\n${output()}`);
}


const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The built dashboard (`next start`) on a free loopback port with `env` added, in its own process
 * group so that `stop` ends next and anything it forks. Resolves once it answers HTTP.
 */
export async function startBuiltDashboard(env: Record<string, string>): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const server = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: APP_DIR,
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  server.stdout?.on("data", (b: Buffer) => (log += b.toString()));
  server.stderr?.on("data", (b: Buffer) => (log += b.toString()));
  const stop = async () => {
    if (!server.pid || server.exitCode !== null) return;
    const exited = new Promise((r) => server.once("exit", r));
    process.kill(-server.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  };
  try {
    await waitForHttp(url, server, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, output: () => log, stop };
}

/**
 * The rows a real study leaves: the in-process coordinator and a worker (two training slots, real
 * training) run `studyFile` to its end, polled every 200 ms for at most `timeoutMs`. The caller
 * disposes the stack; if the study does not finish, it is disposed here.
 */
export async function finishedStudy(studyFile: string, timeoutMs: number): Promise<{ stack: TestStack; studyId: string }> {
  const stack = await startTestStack({
    scheduler: { intervalMs: 200 },
    maxConnections: 4,
    worker: (s) => startWorker({ queue: s.queue, coordinator: s.coordinator.address, pool: "cpu", log: silentLogger(), concurrency: 2 }),
  });
  try {
    return { stack, studyId: (await stack.runToEnd(studyFile, { timeoutMs, pollMs: 200 })).id };
  } catch (err) {
    await stack.dispose();
    throw err;
  }
}
