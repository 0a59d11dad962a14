import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { errorCodeFromGrpc, GRPC_CODES, GRPC_DEADLINE_EXCEEDED, grpcStatusOf, type ErrorCode } from "./errors";

// errors.ts writes the gRPC codes out (it must not load grpc-js); grpc-js's own enum is the reference.
describe("error codes and gRPC statuses", () => {
  it("are grpc-js's status values, both ways", () => {
    for (const code of Object.keys(GRPC_CODES) as ErrorCode[]) {
      expect(grpcStatusOf(code)).toBe(status[code]);
      expect(errorCodeFromGrpc(status[code])).toBe(code);
    }
    expect(GRPC_DEADLINE_EXCEEDED).toBe(status.DEADLINE_EXCEEDED);
    expect(errorCodeFromGrpc(status.DEADLINE_EXCEEDED)).toBe("UNAVAILABLE");
    expect(errorCodeFromGrpc(status.UNKNOWN)).toBe("INTERNAL");
  });
});
