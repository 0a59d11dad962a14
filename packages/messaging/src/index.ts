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
export { connectNats, natsCredentials, type NatsCredentials, type NatsCredentialsEnv } from "./nats-auth";
