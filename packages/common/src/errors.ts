import { status as GrpcStatus } from "@grpc/grpc-js";

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

const MAPPING: Record<ErrorCode, { grpc: GrpcStatus; exit: number }> = {
  INVALID_ARGUMENT: { grpc: GrpcStatus.INVALID_ARGUMENT, exit: 2 },
  NOT_FOUND: { grpc: GrpcStatus.NOT_FOUND, exit: 1 },
  FAILED_PRECONDITION: { grpc: GrpcStatus.FAILED_PRECONDITION, exit: 1 },
  UNAVAILABLE: { grpc: GrpcStatus.UNAVAILABLE, exit: 1 },
  UNAUTHENTICATED: { grpc: GrpcStatus.UNAUTHENTICATED, exit: 1 },
  PERMISSION_DENIED: { grpc: GrpcStatus.PERMISSION_DENIED, exit: 1 },
  INTERNAL: { grpc: GrpcStatus.INTERNAL, exit: 1 },
};

export function grpcStatusOf(code: ErrorCode): GrpcStatus {
  return MAPPING[code].grpc;
}

export function exitCodeOf(code: ErrorCode): number {
  return MAPPING[code].exit;
}

/** The inverse, for clients: a gRPC error back into an AppError with the same code. */
export function errorCodeFromGrpc(status: number): ErrorCode {
  for (const [code, m] of Object.entries(MAPPING) as [ErrorCode, { grpc: GrpcStatus }][]) {
    if (m.grpc === status) return code;
  }
  return status === GrpcStatus.DEADLINE_EXCEEDED ? "UNAVAILABLE" : "INTERNAL";
}
