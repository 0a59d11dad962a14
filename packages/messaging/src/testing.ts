import { connect } from "@nats-io/transport-node";
import { randomBytes } from "node:crypto";

export const TEST_NATS_URL = process.env.AUTOML_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** Whether the real NATS answers; under CI (CI=true) its absence is a failure, never a skip. */
export async function natsAvailable(url = TEST_NATS_URL): Promise<boolean> {
  try {
    const nc = await connect({ servers: url, timeout: 2_000 });
    await nc.close();
    return true;
  } catch (err) {
    if (process.env.CI === "true") throw new Error(`NATS is required under CI: ${(err as Error).message}`);
    return false;
  }
}

/** A stream name and subject prefix of its own for one test file. */
export function uniqueStreamNames(): { stream: string; subjectPrefix: string } {
  const id = randomBytes(5).toString("hex");
  return { stream: `AUTOML_TEST_${id}`, subjectPrefix: `automltest${id}` };
}

/**
 * A nats-server of a test's own (Debian's /usr/sbin/nats-server) on a free loopback port, with
 * JetStream in a temp dir and `config` (nats-server config syntax, e.g. an authorization block)
 * appended — for tests that must not touch the shared server's settings. `env` is added to the
 * server's environment (a config's `$VARIABLE` references read it).
 */
export async function startOwnNatsServer(config = "", opts: { env?: Record<string, string> } = {}): Promise<{ url: string; stop(): Promise<void>; log(): string }> {
  const { spawn } = await import("node:child_process");
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { createServer } = await import("node:net");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const port = await new Promise<number>((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "automl-nats-"));
  const conf = join(dir, "nats.conf");
  writeFileSync(conf, `listen: "127.0.0.1:${port}"\njetstream { store_dir: "${join(dir, "js")}" }\n${config}\n`);
  const child = spawn("/usr/sbin/nats-server", ["-c", conf], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...opts.env } });
  let log = "";
  child.stderr!.on("data", (d) => (log += d));
  const deadline = Date.now() + 15_000;
  while (!log.includes("Server is ready")) {
    if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`nats-server not ready in 15 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
