import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Structured logs on stderr (stdout is reserved for command output such as `--json`).
 * A fixed message plus fields: `log.warn({ trialId, attempt }, "trial redelivered")`.
 */
export function createLogger(name: string, level = "info"): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
