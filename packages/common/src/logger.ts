import { pino, type DestinationStream, type Logger } from "pino";
import { REDACTED_LOG_PATHS } from "./secrets";

export type { Logger };

/**
 * Structured logs on stderr (stdout is reserved for command output such as `--json`).
 * A fixed message plus fields: `log.warn({ trialId, attempt }, "trial redelivered")`.
 */
export function createLogger(name: string, level = "info", destination?: DestinationStream): Logger {
  // Secrets (tokens, passwords, keys, AUTOML_* secret variables) are replaced wherever a record
  // carries them by name, so a careless `log.info({ env })` cannot leak one.
  return pino(
    { name, level, base: { pid: process.pid }, redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" } },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
