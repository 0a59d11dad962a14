import type { TrialSpec } from "@automl/proto";

/** One delivery of a trial to a worker. `attempt` is the 1-based delivery count. */
export interface Delivery {
  readonly spec: TrialSpec;
  readonly attempt: number;
  /** Extends the ack deadline while a long trial trains. */
  working(): void;
  /** Acknowledges, and resolves once the queue confirmed it. */
  ack(): Promise<void>;
  /** Asks for redelivery, optionally after a delay. */
  nak(delayMs?: number): void;
  /** Stops redelivery for good (poison message). */
  term(reason: string): void;
}

export type DeliveryHandler = (d: Delivery) => Promise<void>;

export interface QueueConsumer {
  /** Stops taking new work and waits for the handlers in flight. */
  stop(): Promise<void>;
}

/** Where trials wait for workers: JetStream in the distributed mode, memory in the embedded one. */
export interface TrialQueue {
  publish(pool: string, spec: TrialSpec): Promise<void>;
  /** Runs `handler` on up to `concurrency` deliveries at a time from `pool`. */
  consume(pool: string, handler: DeliveryHandler, opts?: { concurrency?: number }): Promise<QueueConsumer>;
  close(): Promise<void>;
}

export interface QueueOptions {
  /** How long a delivery may go without ack or `working()` before it is redelivered. */
  ackWaitMs: number;
  /** Deliveries per trial before the queue gives up on it. */
  maxDeliver: number;
}

export const DEFAULT_QUEUE_OPTIONS: QueueOptions = { ackWaitMs: 30_000, maxDeliver: 3 };

/** Message id for JetStream's duplicate window: republishing the same dispatch is a no-op. */
export function dispatchId(spec: TrialSpec): string {
  return `${spec.trialId}:${spec.dispatch || 1}`;
}
