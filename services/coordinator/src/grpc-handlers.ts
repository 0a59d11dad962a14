import { type ServerUnaryCall, type sendUnaryData, type ServiceError, Metadata } from "@grpc/grpc-js";
import { AppError, grpcStatusOf, LIMITS, type Logger } from "@automl/common";

/** Wraps an async handler: AppErrors become their gRPC status, anything else INTERNAL (logged once, here). */
export function unary<Req, Res>(log: Logger, method: string, fn: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    Promise.resolve(call.request).then(rejectNul).then(fn).then(
      (res) => callback(null, res),
      (err: unknown) => {
        const app = err instanceof AppError ? err : databaseUnavailable(err);
        if (!app) log.error({ method, err: (err as Error)?.stack ?? String(err) }, "request failed");
        else if (app.code === "INVALID_ARGUMENT") log.warn({ method, err: app.message }, "request rejected");
        else if (app !== err) log.warn({ method, err: (err as Error).message }, "database unavailable; client will retry");
        const e: Partial<ServiceError> = {
          code: app ? grpcStatusOf(app.code) : grpcStatusOf("INTERNAL"),
          details: app ? app.message : `internal error: ${(err as Error)?.message ?? String(err)}`,
          metadata: new Metadata(),
        };
        callback(e as ServiceError, null);
      },
    );
  };
}

export function requireField(value: string, path: string): string {
  if (!value) throw new AppError("INVALID_ARGUMENT", `${path}: required`);
  if (value.length > LIMITS.idChars) throw new AppError("INVALID_ARGUMENT", `${path}: longer than ${LIMITS.idChars} characters`);
  return value;
}

/**
 * Postgres text cannot hold NUL, so a string field carrying one would fail deep in a query as
 * INTERNAL; it is refused up front, by its field name as the .proto spells it.
 */
function rejectNul<Req>(req: Req): Req {
  const walk = (v: unknown, path: string): void => {
    if (typeof v === "string") {
      if (v.includes("\u0000")) throw new AppError("INVALID_ARGUMENT", `${path}: contains a NUL character`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
      for (const [k, x] of Object.entries(v)) walk(x, `${path ? `${path}.` : ""}${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`);
    }
  };
  walk(req, "");
  return req;
}

// Prisma codes for "cannot reach / lost the database", and Postgres SQLSTATEs of a connection that
// was terminated or refused (57P01 admin shutdown, 57P03 cannot connect now, class 08 connection).
const UNREACHABLE_PRISMA = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const UNREACHABLE_TEXT = /\b(57P0[1-3]|08\d{3}|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)\b|Connection terminated|terminating connection|connection (?:is )?closed|Server has closed the connection|Can't reach database|ConnectionClosed|DatabaseNotReachable|Timed out fetching a new connection|not queryable/i;

/**
 * A request that failed because the database connection dropped is UNAVAILABLE, not INTERNAL:
 * clients (workers' reports) retry it with backoff, and the pool reconnects meanwhile. Nothing is
 * half-written: every write is one statement or one transaction.
 */
export function databaseUnavailable(err: unknown): AppError | undefined {
  const code = (err as { code?: unknown })?.code;
  const text = `${(err as Error)?.message ?? ""} ${String((err as { cause?: unknown })?.cause ?? "")}`;
  if ((typeof code === "string" && UNREACHABLE_PRISMA.has(code)) || UNREACHABLE_TEXT.test(text)) {
    return new AppError("UNAVAILABLE", "database unavailable; retry", { cause: err });
  }
  return undefined;
}
