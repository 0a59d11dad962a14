import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "@automl/common";

const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dashboard");

/** Serves the built Next.js dashboard (`next start`) against a Postgres URL; resolves once it answers. */
export async function startDashboard(opts: {
  databaseUrl: string;
  /** The coordinator the dashboard creates and cancels studies through. */
  coordinatorAddr: string;
  port: number;
  host: string;
  /** Whether access tokens are configured (AUTOML_DASHBOARD_ADMIN_TOKEN / _VIEWER_TOKEN). */
  protectedByTokens: boolean;
  /**
   * The embedded coordinator's own token (plaintext, loopback). Unset: the dashboard reads
   * AUTOML_GRPC_TOKEN / _TLS_CA (or their _FILE forms) from the environment it inherits.
   */
  grpcToken?: string;
}): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const loopback = opts.host === "127.0.0.1" || opts.host === "localhost" || opts.host === "::1";
  if (!loopback && !opts.protectedByTokens) {
    throw new AppError("INVALID_ARGUMENT", `AUTOML_DASHBOARD_HOST: serving on ${opts.host} needs AUTOML_DASHBOARD_ADMIN_TOKEN (and optionally _VIEWER_TOKEN); without tokens the dashboard is open, so it stays on loopback`);
  }
  if (!existsSync(join(DASHBOARD_DIR, ".next", "BUILD_ID"))) {
    throw new AppError("FAILED_PRECONDITION", "the dashboard is not built: run `npm run build` first");
  }
  const next = createRequire(join(DASHBOARD_DIR, "package.json")).resolve("next/dist/bin/next");
  const env: NodeJS.ProcessEnv = { ...process.env, AUTOML_DATABASE_URL: opts.databaseUrl, AUTOML_COORDINATOR_ADDR: opts.coordinatorAddr, NEXT_TELEMETRY_DISABLED: "1" };
  // The URL is given resolved; an inherited _FILE form as well would be "both forms set".
  delete env.AUTOML_DATABASE_URL_FILE;
  if (opts.grpcToken) {
    // The embedded coordinator: its token, no TLS, whatever the shell had for a distributed one.
    for (const k of Object.keys(env)) if (k.startsWith("AUTOML_GRPC_")) delete env[k];
    env.AUTOML_GRPC_TOKEN = opts.grpcToken;
  }
  const child = spawn(process.execPath, [next, "start", "-p", String(opts.port), "-H", opts.host], {
    cwd: DASHBOARD_DIR,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://${opts.host}:${opts.port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new AppError("INTERNAL", `the dashboard exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new AppError("UNAVAILABLE", `the dashboard did not answer on ${url} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
