import { TrialSpec } from "@automl/proto";
import type { Logger } from "@automl/common";
import {
  cancelSubjectToken,
  DEFAULT_QUEUE_OPTIONS,
  dispatchId,
  type CancelHandler,
  type ControlSubscription,
  type DeliveryHandler,
  type QueueConsumer,
  type QueueOptions,
  type TrialQueue,
} from "./queue";

interface Entry {
  id: string;
  data: Uint8Array;
  deliveries: number;
}

/**
 * TrialQueue in memory for the embedded stack: the same semantics as the JetStream one
 * (dedup by dispatch id, ack deadline with `working()`, bounded redelivery, term), within one process.
 * Payloads are encoded like on NATS so both paths exercise the same decoding.
 */
export class MemoryQueue implements TrialQueue {
  private readonly ready = new Map<string, Entry[]>();
  private readonly seen = new Set<string>();
  private readonly waiters = new Map<string, (() => void)[]>();
  private readonly cancelHandlers = new Set<CancelHandler>();
  /** Deliveries handed to a handler and not yet settled, per pool. */
  private readonly unacked = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly opts: QueueOptions = DEFAULT_QUEUE_OPTIONS,
  ) {}

  async publish(pool: string, spec: TrialSpec): Promise<void> {
    const id = dispatchId(spec);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.enqueue(pool, { id, data: TrialSpec.encode(spec).finish(), deliveries: 0 });
  }

  /** Raw publish, for tests of malformed input. */
  async publishRaw(pool: string, data: Uint8Array): Promise<void> {
    this.enqueue(pool, { id: `raw:${Math.random()}`, data, deliveries: 0 });
  }

  private enqueue(pool: string, e: Entry): void {
    const q = this.ready.get(pool) ?? [];
    q.push(e);
    this.ready.set(pool, q);
    this.waiters.get(pool)?.shift()?.();
  }

  private async take(pool: string, isStopping: () => boolean): Promise<Entry | undefined> {
    for (;;) {
      if (this.closed || isStopping()) return undefined;
      const e = this.ready.get(pool)?.shift();
      if (e) return e;
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(pool) ?? [];
        list.push(resolve);
        this.waiters.set(pool, list);
        setTimeout(resolve, 500);
      });
    }
  }

  async consume(pool: string, handler: DeliveryHandler, opts: { concurrency?: number } = {}): Promise<QueueConsumer> {
    let stopping = false;
    const slot = async () => {
      for (;;) {
        const e = await this.take(pool, () => stopping);
        if (!e) return;
        await this.deliver(pool, e, handler);
      }
    };
    const slots = Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, slot);
    return {
      async stop() {
        stopping = true;
        await Promise.all(slots);
      },
    };
  }

  async publishCancel(studyId: string): Promise<void> {
    cancelSubjectToken(studyId);
    // Asynchronously, like a message: a handler never runs inside the caller's stack.
    for (const h of this.cancelHandlers) queueMicrotask(() => h(studyId));
  }

  async onCancel(handler: CancelHandler): Promise<ControlSubscription> {
    const h: CancelHandler = (id) => handler(id);
    this.cancelHandlers.add(h);
    return { close: async () => void this.cancelHandlers.delete(h) };
  }

  async depth(pool: string): Promise<{ pending: number; ackPending: number }> {
    return { pending: this.ready.get(pool)?.length ?? 0, ackPending: this.unacked.get(pool) ?? 0 };
  }

  private async deliver(pool: string, e: Entry, handler: DeliveryHandler): Promise<void> {
    this.unacked.set(pool, (this.unacked.get(pool) ?? 0) + 1);
    try {
      await this.deliverOnce(pool, e, handler);
    } finally {
      this.unacked.set(pool, (this.unacked.get(pool) ?? 1) - 1);
    }
  }

  private async deliverOnce(pool: string, e: Entry, handler: DeliveryHandler): Promise<void> {
    e.deliveries += 1;
    let spec: TrialSpec;
    try {
      spec = TrialSpec.decode(e.data);
      if (!spec.trialId) throw new Error("trialId is empty");
    } catch (err) {
      this.log.error({ id: e.id, err: (err as Error).message }, "malformed trial message terminated");
      return;
    }
    let settled = false;
    const redeliver = (delayMs = 0) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (e.deliveries >= this.opts.maxDeliver) {
        this.log.warn({ trialId: spec.trialId, deliveries: e.deliveries }, "max deliveries reached; dropped");
        return;
      }
      setTimeout(() => this.enqueue(pool, e), delayMs);
    };
    let deadline = setTimeout(() => redeliver(), this.opts.ackWaitMs);
    try {
      await handler({
        spec,
        attempt: e.deliveries,
        working: () => {
          if (settled) return;
          clearTimeout(deadline);
          deadline = setTimeout(() => redeliver(), this.opts.ackWaitMs);
        },
        ack: async () => {
          settled = true;
          clearTimeout(deadline);
        },
        nak: (delayMs) => redeliver(delayMs),
        term: (reason) => {
          settled = true;
          clearTimeout(deadline);
          this.log.warn({ trialId: spec.trialId, reason }, "trial message terminated");
        },
      });
    } catch (err) {
      this.log.error({ trialId: spec.trialId, err: (err as Error).message }, "trial handler failed; nak");
      redeliver(1_000);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelHandlers.clear();
    for (const list of this.waiters.values()) for (const w of list) w();
  }
}
