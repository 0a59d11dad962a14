import { type ServerUnaryCall, type sendUnaryData, type ServiceError, Metadata } from "@grpc/grpc-js";
import { AppError, grpcStatusOf, type Logger } from "@automl/common";

/** Wraps an async handler: AppErrors become their gRPC status, anything else INTERNAL (logged once, here). */
export function unary<Req, Res>(log: Logger, method: string, fn: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => {
        const app = err instanceof AppError ? err : undefined;
        if (!app) log.error({ method, err: (err as Error)?.stack ?? String(err) }, "request failed");
        else if (app.code === "INVALID_ARGUMENT") log.warn({ method, err: app.message }, "request rejected");
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
  return value;
}
