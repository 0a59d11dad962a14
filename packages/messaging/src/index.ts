export * from "./queue";
export { JetStreamQueue, type JetStreamQueueConfig } from "./jetstream-queue";
export { MemoryQueue } from "./memory-queue";
