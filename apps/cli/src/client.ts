import { grpcCall, grpcClientChannel, type GrpcClientSecurity } from "@automl/common";
import {
  CoordinatorClient,
  type CancelStudyReply,
  type CreateStudyReply,
  type GetRefitReply,
  type GetStudyReply,
  type Refit,
  type RefitTrialReply,
  type ListStudiesReply,
  type ListTrialsReply,
  type Study,
  type Trial,
} from "@automl/proto";

/** The Coordinator gRPC API as promises. */
export class CoordinatorApi {
  private readonly client: CoordinatorClient;
  /** `security`: TLS and bearer token (docs/operations.md "Security"); none = plaintext without a token. */
  constructor(address: string, security?: GrpcClientSecurity) {
    const channel = grpcClientChannel(security);
    this.client = new CoordinatorClient(address, channel.credentials, channel.options);
  }
  async createStudy(studyFile: string): Promise<Study> {
    // The first call of a command may race a coordinator that is still starting.
    return (await grpcCall<CreateStudyReply>((md, o, cb) => this.client.createStudy({ studyFile }, md, o, cb), 30_000, { waitForReady: true })).study!;
  }
  async getStudy(studyId: string): Promise<Study> {
    return (await grpcCall<GetStudyReply>((md, o, cb) => this.client.getStudy({ studyId }, md, o, cb))).study!;
  }
  async listStudies(limit = 50): Promise<Study[]> {
    return (await grpcCall<ListStudiesReply>((md, o, cb) => this.client.listStudies({ limit }, md, o, cb))).studies;
  }
  async refitTrial(studyId: string, trial: string): Promise<Refit> {
    return (await grpcCall<RefitTrialReply>((md, o, cb) => this.client.refitTrial({ studyId, trial }, md, o, cb))).refit!;
  }
  async getRefit(refitId: string): Promise<Refit> {
    return (await grpcCall<GetRefitReply>((md, o, cb) => this.client.getRefit({ refitId }, md, o, cb))).refit!;
  }
  async cancelStudy(studyId: string): Promise<Study> {
    return (await grpcCall<CancelStudyReply>((md, o, cb) => this.client.cancelStudy({ studyId }, md, o, cb))).study!;
  }
  async listTrials(studyId: string, ranked: boolean, limit = 0, offset = 0): Promise<Trial[]> {
    return (await grpcCall<ListTrialsReply>((md, o, cb) => this.client.listTrials({ studyId, ranked, limit, offset }, md, o, cb), 60_000)).trials;
  }
  close(): void {
    this.client.close();
  }
}
