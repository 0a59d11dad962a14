import { nanos, type NatsConnection } from "@nats-io/nats-core";
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { TrialSpec } from "@automl/proto";
import { connectNats, type NatsCredentials, type NatsTls } from "./nats-auth";
import { CancelVerifier, signCancel } from "./cancel-signature";
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

export interface JetStreamQueueConfig extends QueueOptions {
  url: string;
  /** Stream name; `AUTOML_TRIALS` in production, unique per test file in tests. */
  stream: string;
  /** Subjects are `<prefix>.trials.<pool>`. */
  subjectPrefix: string;
  log: Logger;
  /** NATS login (user/password, token, nkey or creds); none when the server needs none. */
  credentials?: NatsCredentials;
  /** TLS to NATS (AUTOML_NATS_TLS_*); none = plaintext. */
  tls?: NatsTls;
  /** How long the first connection may take (nats.js default: 20 s). */
  connectTimeoutMs?: number;
  /**
   * AUTOML_CANCEL_KEY: cancels published are signed with it, and only cancels signed with it are
   * obeyed (cancel-signature.ts). Unset: cancels go out unsigned and every one is obeyed (logged
   * once as unauthenticated).
   */
  cancelKey?: string;
  /**
   * Create the stream when it is missing (default). False for workers, whose NATS user may not
   * create streams (infra/nats): they wait for the coordinator to create it.
   */
  createStream?: boolean;
  /** Accepted distance of a signed cancel's timestamp from this clock; default CANCEL_WINDOW_MS. */
  cancelWindowMs?: number;
}

/**
 * TrialQueue on NATS JetStream: a WorkQueue stream with file storage, one durable pull
 * consumer `workers-<pool>` per pool, explicit acks, bounded redelivery.
 */
export class JetStreamQueue implements TrialQueue {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly cfg: JetStreamQueueConfig,
  ) {}

  static async connect(config: Partial<JetStreamQueueConfig> & Pick<JetStreamQueueConfig, "url" | "log">): Promise<JetStreamQueue> {
    const cfg: JetStreamQueueConfig = {
      ...DEFAULT_QUEUE_OPTIONS,
      stream: "AUTOML_TRIALS",
      subjectPrefix: "automl",
      ...config,
    };
    const nc = await connectNats({ url: cfg.url, name: "automl", credentials: cfg.credentials, tls: cfg.tls, timeoutMs: cfg.connectTimeoutMs });
    const jsm = await jetstreamManager(nc);
    const q = new JetStreamQueue(nc, jsm, cfg);
    await q.ensureStream();
    return q;
  }

  subject(pool: string): string {
    return `${this.cfg.subjectPrefix}.trials.${pool}`;
  }

  consumerName(pool: string): string {
    return `workers-${pool}`;
  }

  private async ensureStream(): Promise<void> {
    const config = {
      name: this.cfg.stream,
      subjects: [`${this.cfg.subjectPrefix}.trials.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(120_000),
    };
    try {
      await this.jsm.streams.info(this.cfg.stream);
    } catch (first) {
      if (this.cfg.createStream === false) {
        if (!/not found/i.test((first as Error).message)) throw first;
        this.cfg.log.info({ stream: this.cfg.stream }, "waiting for the coordinator to create the JetStream stream");
        for (;;) {
          await new Promise((r) => setTimeout(r, 1_000));
          try {
            await this.jsm.streams.info(this.cfg.stream);
            return;
          } catch (err) {
            if (!/not found/i.test((err as Error).message)) throw err;
          }
        }
      }
      try {
        await this.jsm.streams.add(config);
      } catch (err) {
        // Another process created it between our check and our add.
        await this.jsm.streams.info(this.cfg.stream).catch(() => {
          throw err;
        });
      }
    }
  }

  private async ensureConsumer(pool: string): Promise<void> {
    const name = this.consumerName(pool);
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      filter_subject: this.subject(pool),
      ack_wait: nanos(this.cfg.ackWaitMs),
      max_deliver: this.cfg.maxDeliver,
    };
    try {
      await this.jsm.consumers.info(this.cfg.stream, name);
      await this.jsm.consumers.update(this.cfg.stream, name, { ack_wait: config.ack_wait, max_deliver: config.max_deliver });
    } catch {
      await this.jsm.consumers.add(this.cfg.stream, config);
    }
  }

  async publish(pool: string, spec: TrialSpec): Promise<void> {
    const js = jetstream(this.nc);
    await js.publish(this.subject(pool), TrialSpec.encode(spec).finish(), { msgID: dispatchId(spec) });
  }

  async consume(pool: string, handler: DeliveryHandler, opts: { concurrency?: number } = {}): Promise<QueueConsumer> {
    await this.ensureConsumer(pool);
    const consumer = await jetstream(this.nc).consumers.get(this.cfg.stream, this.consumerName(pool));
    const log = this.cfg.log;
    const slots = Math.max(1, opts.concurrency ?? 1);
    // Slots neither training a trial nor promised to a pull request that is still open. A pull
    // asks for exactly that many messages, so JetStream never hands this worker more than it can
    // start at once: nothing waits in a local buffer while its ack deadline runs. Under load a
    // pull fills several slots in one request (one round trip, not one per trial).
    let free = slots;
    let openPulls = 0;
    let stopping = false;
    let wake: (() => void) | undefined;
    const signal = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const handlers = new Set<Promise<void>>();
    const pulls = new Set<Promise<void>>();
    const pull = async (n: number) => {
      let received = 0;
      try {
        const batch = await consumer.fetch({ max_messages: n, expires: 2_000 });
        for await (const msg of batch) {
          received++;
          const h: Promise<void> = this.handle(msg, handler).finally(() => {
            handlers.delete(h);
            free++;
            signal();
          });
          handlers.add(h);
        }
      } catch (err) {
        if (!stopping) {
          log.warn({ err: (err as Error).message }, "pull failed; retrying");
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        free += n - received;
        openPulls--;
        signal();
      }
    };
    const loop = (async () => {
      while (!stopping) {
        // At most two pulls open: a second one takes the slots freed while the first is filling.
        if (free === 0 || openPulls >= 2) {
          await new Promise<void>((r) => (wake = r));
          continue;
        }
        const n = free;
        free = 0;
        openPulls++;
        const p: Promise<void> = pull(n).finally(() => pulls.delete(p));
        pulls.add(p);
      }
    })();
    return {
      async stop() {
        stopping = true;
        signal();
        await loop;
        // Open pulls end at their expiry; what they still deliver is handled, as before the stop.
        while (pulls.size || handlers.size) await Promise.all([...pulls, ...handlers]);
      },
    };
  }

  private async handle(msg: JsMsg, handler: DeliveryHandler): Promise<void> {
    let spec: TrialSpec;
    try {
      spec = TrialSpec.decode(msg.data);
      if (!spec.trialId) throw new Error("trialId is empty");
    } catch (err) {
      // Undecodable: never redeliver it, never let it stop the worker.
      this.cfg.log.error({ seq: msg.seq, err: (err as Error).message }, "malformed trial message terminated");
      // No reason text: nats-server 2.9 only knows a bare "+TERM" and ignores "+TERM <reason>",
      // which would leave the message to be redelivered until max_deliver. The log has the reason.
      msg.term();
      return;
    }
    try {
      await handler({
        spec,
        attempt: msg.info.deliveryCount,
        working: () => msg.working(),
        // A plain ack, not a confirmed one: a lost ack only redelivers a trial whose outcome is
        // recorded, and StartTrial then answers "settled" (acked without training).
        ack: async () => {
          msg.ack();
        },
        nak: (delayMs) => msg.nak(delayMs),
        // The caller logs the reason; see above for why it is not sent.
        term: () => msg.term(),
      });
    } catch (err) {
      // The handler owns the outcome; an escape here means it could not report. Redeliver later.
      this.cfg.log.error({ trialId: spec.trialId, err: (err as Error).message }, "trial handler failed; nak");
      msg.nak(1_000);
    }
  }

  /** Raw publish for tests of malformed input. */
  async publishRaw(pool: string, data: Uint8Array): Promise<void> {
    await jetstream(this.nc).publish(this.subject(pool), data);
  }

  /** Core NATS subject of a study's cancellation: `<prefix>.control.cancel.<studyId>`. */
  cancelSubject(studyId: string): string {
    return `${this.cfg.subjectPrefix}.control.cancel.${cancelSubjectToken(studyId)}`;
  }

  private warnedUnsigned = false;

  private warnUnsignedOnce(what: string): void {
    if (this.warnedUnsigned) return;
    this.warnedUnsigned = true;
    this.cfg.log.warn({}, `AUTOML_CANCEL_KEY is not set: ${what} (docs/operations.md, "Security")`);
  }

  async publishCancel(studyId: string): Promise<void> {
    const subject = this.cancelSubject(studyId);
    if (this.cfg.cancelKey) this.nc.publish(subject, signCancel(this.cfg.cancelKey, subject));
    else {
      this.warnUnsignedOnce("study cancellations are broadcast unsigned, and workers with a key ignore them");
      this.nc.publish(subject);
    }
    // Flushed, so the cancellation has reached the server when CancelStudy answers.
    await this.nc.flush();
  }

  async onCancel(handler: CancelHandler): Promise<ControlSubscription> {
    const prefix = `${this.cfg.subjectPrefix}.control.cancel.`;
    const verifier = this.cfg.cancelKey ? new CancelVerifier(this.cfg.cancelKey, this.cfg.cancelWindowMs) : undefined;
    if (!verifier) this.warnUnsignedOnce("study cancellations are not authenticated; any client allowed to publish the cancel subject can stop trials");
    const sub = this.nc.subscribe(`${prefix}*`, {
      callback: (err, msg) => {
        if (err) {
          this.cfg.log.warn({ err: err.message }, "control subscription error");
          return;
        }
        const studyId = msg.subject.slice(prefix.length);
        const refused = verifier?.check(msg.subject, msg.data);
        if (refused) {
          // Trials keep training; a real cancellation still reaches them at their next report.
          this.cfg.log.warn({ studyId, reason: refused }, "cancel ignored: not signed with AUTOML_CANCEL_KEY");
          return;
        }
        handler(studyId);
      },
    });
    // The subscription is registered with the server once this returns: no cancel published later is missed.
    await this.nc.flush();
    return { close: async () => sub.unsubscribe() };
  }

  /** Same as depth(); kept for callers written against its first name. */
  pending(pool: string): Promise<{ pending: number; ackPending: number }> {
    return this.depth(pool);
  }

  /**
   * One consumer-info request (JetStream keeps the counts); before any worker created the
   * pool's consumer, the stream's message count on the pool's subject is what waits.
   */
  async depth(pool: string): Promise<{ pending: number; ackPending: number }> {
    try {
      const info = await this.jsm.consumers.info(this.cfg.stream, this.consumerName(pool));
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    } catch {
      const info = await this.jsm.streams.info(this.cfg.stream, { subjects_filter: this.subject(pool) });
      return { pending: info.state.subjects?.[this.subject(pool)] ?? 0, ackPending: 0 };
    }
  }

  async deleteStream(): Promise<void> {
    await this.jsm.streams.delete(this.cfg.stream);
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}
