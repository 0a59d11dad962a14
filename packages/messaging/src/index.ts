export * from "./queue";
export { JetStreamQueue, type JetStreamQueueConfig } from "./jetstream-queue";
export { MemoryQueue } from "./memory-queue";
export {
  CachedDatasetStore,
  DEFAULT_DATASET_BUCKET,
  JetStreamDatasetStore,
  MemoryDatasetStore,
  type DatasetStore,
  type JetStreamDatasetStoreConfig,
} from "./dataset-store";
export { connectNats, natsCredentials, natsTls, type NatsCredentials, type NatsCredentialsEnv, type NatsTls, type NatsTlsEnv } from "./nats-auth";
export { CANCEL_WINDOW_MS, CancelVerifier, signCancel } from "./cancel-signature";
export { DEFAULT_CHECKPOINT_BUCKET, DEFAULT_MODEL_BUCKET, DirectoryCheckpointStore, JetStreamCheckpointStore, type CheckpointStore, type JetStreamCheckpointStoreConfig } from "./checkpoint-store";
