import { Metadata, type CallOptions, type ServiceError } from "@grpc/grpc-js";
import { AppError, errorCodeFromGrpc } from "./errors";

/**
 * Promisifies one unary call of a ts-proto grpc-js client, with a deadline, turning a gRPC
 * error back into an AppError with the same code:
 * `await grpcCall<StartTrialReply>((md, o, cb) => client.startTrial(req, md, o, cb))`.
 */
export function grpcCall<Res>(
  invoke: (md: Metadata, opts: CallOptions, cb: (err: ServiceError | null, res?: Res) => void) => unknown,
  timeoutMs = 15_000,
  opts: { waitForReady?: boolean } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const md = new Metadata();
    // waitForReady: queue the call until the channel connects (within the deadline) instead of
    // failing at once, for clients started alongside the server.
    if (opts.waitForReady) md.setOptions({ waitForReady: true });
    invoke(md, { deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) reject(new AppError(errorCodeFromGrpc(err.code), err.details || err.message, { cause: err }));
      else resolve(res as Res);
    });
  });
}

export interface RetryOptions {
  /** Tries in all (default 6), unless `forMs` is given. */
  attempts?: number;
  /** Keep retrying until this long has passed since the first try (instead of counting attempts). */
  forMs?: number;
  baseMs?: number;
  /** Cap on one wait (default: none). */
  maxDelayMs?: number;
  /** Called before each wait, e.g. to extend a message's ack deadline while the peer is away. */
  onWait?: () => void;
  /** When it returns true, stop retrying and throw the last error (shutdown). */
  giveUp?: () => boolean;
}

/** Retries `fn` on UNAVAILABLE with exponential backoff; other errors pass through at once. */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const started = Date.now();
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "UNAVAILABLE" || opts.giveUp?.()) throw err;
      if (opts.forMs !== undefined ? Date.now() - started >= opts.forMs : i + 1 >= attempts) throw err;
      opts.onWait?.();
      await new Promise((r) => setTimeout(r, Math.min((opts.baseMs ?? 200) * 2 ** Math.min(i, 20), opts.maxDelayMs ?? Number.POSITIVE_INFINITY)));
    }
  }
}
