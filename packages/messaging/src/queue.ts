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

/** A subscription to the control channel. */
export interface ControlSubscription {
  close(): Promise<void>;
}

export type CancelHandler = (studyId: string) => void;

/** Where trials wait for workers: JetStream in the distributed mode, memory in the embedded one. */
export interface TrialQueue {
  publish(pool: string, spec: TrialSpec): Promise<void>;
  /** Runs `handler` on up to `concurrency` deliveries at a time from `pool`. */
  consume(pool: string, handler: DeliveryHandler, opts?: { concurrency?: number }): Promise<QueueConsumer>;
  /**
   * Tells every listening worker that a study was cancelled, so its running trials stop within
   * seconds. Fire-and-forget (core NATS, not persisted): the database is the authority, and a
   * worker that missed it still learns at its next epoch report.
   */
  publishCancel(studyId: string): Promise<void>;
  /** Calls `handler` for every cancellation published from now on, until closed. */
  onCancel(handler: CancelHandler): Promise<ControlSubscription>;
  /** Messages of `pool` waiting for a worker, and delivered but unacknowledged (for metrics). */
  depth(pool: string): Promise<{ pending: number; ackPending: number }>;
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
  if (spec.refitId) return `refit:${spec.refitId}`;
  return `${spec.trialId}:${spec.dispatch || 1}`;
}

/** A study id as one NATS subject token; anything that could address other subjects is refused. */
export function cancelSubjectToken(studyId: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(studyId)) throw new Error(`studyId: not a valid study id for the control subject: ${JSON.stringify(studyId.slice(0, 64))}`);
  return studyId;
}
