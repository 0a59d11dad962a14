import "server-only";
import { AppError, grpcCall, grpcClientChannel } from "@automl/common";
import { CoordinatorClient, type CancelStudyReply, type CreateStudyReply } from "@automl/proto";
import { coordinatorSecurity, serverEnv } from "../env";

// One channel per process, reused by every action (gRPC channels multiplex and reconnect).
const holder = globalThis as typeof globalThis & { __automlCoordinator?: CoordinatorClient };
function client(): CoordinatorClient {
  if (!holder.__automlCoordinator) {
    const channel = grpcClientChannel(coordinatorSecurity());
    holder.__automlCoordinator = new CoordinatorClient(serverEnv().AUTOML_COORDINATOR_ADDR, channel.credentials, channel.options);
  }
  return holder.__automlCoordinator;
}

/** The study's id; an INVALID_ARGUMENT AppError names the offending field of the study file. */
export async function createStudy(studyFile: string): Promise<string> {
  const reply = await grpcCall<CreateStudyReply>((md, o, cb) => client().createStudy({ studyFile }, md, o, cb), 15_000);
  if (!reply.study) throw new AppError("INTERNAL", "the coordinator returned no study");
  return reply.study.id;
}

export async function cancelStudy(studyId: string): Promise<void> {
  await grpcCall<CancelStudyReply>((md, o, cb) => client().cancelStudy({ studyId }, md, o, cb), 15_000);
}

/** A message fit for the page: the coordinator's own for bad input, a generic one otherwise. */
export function userMessage(err: unknown): string {
  if (err instanceof AppError) {
    switch (err.code) {
      case "INVALID_ARGUMENT":
      case "NOT_FOUND":
      case "FAILED_PRECONDITION":
        return err.message;
      case "UNAVAILABLE":
        return `the coordinator at ${serverEnv().AUTOML_COORDINATOR_ADDR} is unreachable`;
      case "UNAUTHENTICATED":
        return "the coordinator refused the dashboard's credentials (AUTOML_GRPC_TOKEN)";
      default:
        return `the coordinator failed (${err.code})`;
    }
  }
  return "unexpected error";
}
