// A type-only import: this module is part of @automl/common/core, which the engine's training
// threads load, and must not pull grpc-js in. The codes are fixed by the gRPC protocol
// (errors.test.ts checks them against grpc-js's enum).
import type { status as GrpcStatus } from "@grpc/grpc-js";

/** Every failure the platform names. One exhaustive mapping below turns a code into a gRPC status and a CLI exit code. */
export type ErrorCode =
  | "INVALID_ARGUMENT" // bad study file, bad request: the message names the field path
  | "NOT_FOUND"
  | "FAILED_PRECONDITION" // e.g. cancelling a finished study
  | "UNAVAILABLE" // a service (Postgres, NATS, coordinator) cannot be reached
  | "UNAUTHENTICATED" // missing or wrong credentials (gRPC token, NATS user/password/nkey)
  | "PERMISSION_DENIED" // known caller, not allowed this call (its role, or a trial attempt it does not hold)
  | "INTERNAL";

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The gRPC status code of each error code (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GRPC_CODES: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

export const GRPC_DEADLINE_EXCEEDED = 4;

const EXIT_CODES: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 2,
  NOT_FOUND: 1,
  FAILED_PRECONDITION: 1,
  UNAVAILABLE: 1,
  UNAUTHENTICATED: 1,
  PERMISSION_DENIED: 1,
  INTERNAL: 1,
};

export function grpcStatusOf(code: ErrorCode): GrpcStatus {
  return GRPC_CODES[code] as GrpcStatus;
}

export function exitCodeOf(code: ErrorCode): number {
  return EXIT_CODES[code];
}

/** The inverse, for clients: a gRPC error back into an AppError with the same code. */
export function errorCodeFromGrpc(status: number): ErrorCode {
  for (const [code, grpc] of Object.entries(GRPC_CODES) as [ErrorCode, number][]) {
    if (grpc === status) return code;
  }
  return status === GRPC_DEADLINE_EXCEEDED ? "UNAVAILABLE" : "INTERNAL";
}
