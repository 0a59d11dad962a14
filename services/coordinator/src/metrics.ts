import { status as GrpcStatus, type sendUnaryData, type ServerUnaryCall, type ServiceError } from "@grpc/grpc-js";
import { Counter, createMetricsRegistry, Gauge, Histogram, LATENCY_BUCKETS, type Logger, type Registry } from "@automl/common";
import type { Db } from "@automl/db";
import type { TrialQueue } from "@automl/messaging";
import type { BatchedStatement } from "./store";

/** Scrapes within this interval share one database / JetStream query. */
const CACHE_MS = 2_000;

/** Runs `load` at most once per CACHE_MS; concurrent callers share the one in flight. */
function cached<T>(load: () => Promise<T>): () => Promise<T> {
  let at = 0;
  let value: Promise<T> | undefined;
  return () => {
    if (!value || Date.now() - at > CACHE_MS) {
      at = Date.now();
      value = load().catch((err: unknown) => {
        at = 0; // retry on the next scrape
        throw err;
      });
    }
    return value;
  };
}

/**
 * The coordinator's Prometheus metrics:
 * - `automl_grpc_server_handling_seconds{method,code}`: handler durations (report latency);
 * - `automl_trials_dispatched_total{pool}`: trial messages published;
 * - `automl_trials{pool,status}`: trials in the database by status (labels bounded: pools × 7);
 * - `automl_queue_messages{pool,state}`: JetStream consumer counts, `pending` (waiting for a
 *   worker) and `unacked` (delivered, not yet acknowledged), for pools of running studies;
 * - `automl_db_write_batch_size{statement}`: trials per batched write (group commit) of
 *   StartTrial (`start_trial`) and of outcomes (`record_outcome`);
 * - `automl_coordinator_leader`: 1 while this coordinator holds the scheduler lease, 0 on a standby.
 * plus the default process metrics.
 */
export class CoordinatorMetrics {
  readonly registry: Registry;
  private readonly handling: Histogram<"method" | "code">;
  private readonly dispatched: Counter<"pool">;
  private readonly batches: Histogram<"statement">;
  private readonly leader: Gauge;
  private readonly pools = new Set<string>();

  constructor(db: Db, queue: TrialQueue, log: Logger) {
    this.registry = createMetricsRegistry("coordinator");
    const registers = [this.registry];
    this.handling = new Histogram({
      name: "automl_grpc_server_handling_seconds",
      help: "Time the coordinator took to answer a gRPC request, by method and status code.",
      labelNames: ["method", "code"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.dispatched = new Counter({ name: "automl_trials_dispatched_total", help: "Trial messages published to the queue.", labelNames: ["pool"], registers });
    this.batches = new Histogram({
      name: "automl_db_write_batch_size",
      help: "Trials written per batched statement (group commit), by statement.",
      labelNames: ["statement"],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });

    this.leader = new Gauge({ name: "automl_coordinator_leader", help: "1 while this coordinator holds the scheduler lease (schedules), 0 while it stands by.", registers });

    const trialCounts = cached(() =>
      db.$queryRaw<{ pool: string; status: string; n: bigint }[]>`
        SELECT s.pool, t.status::text AS status, count(*) AS n FROM "Trial" t JOIN "Study" s ON s.id = t."studyId" GROUP BY 1, 2`,
    );
    new Gauge({
      name: "automl_trials",
      help: "Trials in the database by pool and status.",
      labelNames: ["pool", "status"],
      registers,
      async collect() {
        this.reset();
        try {
          for (const r of await trialCounts()) this.set({ pool: r.pool, status: r.status }, Number(r.n));
        } catch (err) {
          log.warn({ err: (err as Error).message }, "metrics: trial counts unavailable");
        }
      },
    });

    const depths = cached(async () => {
      const running = await db.study.findMany({ where: { status: "RUNNING" }, distinct: ["pool"], select: { pool: true } });
      const pools = new Set([...this.pools, ...running.map((s) => s.pool)]);
      return Promise.all([...pools].map(async (pool) => ({ pool, ...(await queue.depth(pool)) })));
    });
    new Gauge({
      name: "automl_queue_messages",
      help: "Trial messages in the queue by pool: pending (waiting for a worker) and unacked (being worked on).",
      labelNames: ["pool", "state"],
      registers,
      async collect() {
        this.reset();
        try {
          for (const d of await depths()) {
            this.set({ pool: d.pool, state: "pending" }, d.pending);
            this.set({ pool: d.pool, state: "unacked" }, d.ackPending);
          }
        } catch (err) {
          log.warn({ err: (err as Error).message }, "metrics: queue depth unavailable");
        }
      },
    });
  }

  setLeader(leading: boolean): void {
    this.leader.set(leading ? 1 : 0);
  }

  /** For the Store: the size of each batched write. */
  readonly observeBatch = (statement: BatchedStatement, size: number): void => this.batches.observe({ statement }, size);

  /** The queue as the scheduler sees it, counting what it publishes. */
  countingQueue(queue: TrialQueue): TrialQueue {
    const metrics = this;
    return {
      async publish(pool, spec) {
        await queue.publish(pool, spec);
        metrics.pools.add(pool);
        metrics.dispatched.inc({ pool });
      },
      consume: (pool, handler, opts) => queue.consume(pool, handler, opts),
      publishCancel: (studyId) => queue.publishCancel(studyId),
      onCancel: (handler) => queue.onCancel(handler),
      depth: (pool) => queue.depth(pool),
      close: () => queue.close(),
    };
  }

  /** Wraps every unary handler of a gRPC service implementation to time it. */
  instrument<S extends object>(service: S): S {
    const timed: Record<string, unknown> = {};
    for (const [name, handler] of Object.entries(service) as [string, (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => void][]) {
      const method = name.charAt(0).toUpperCase() + name.slice(1);
      timed[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const end = this.handling.startTimer({ method });
        handler(call, (err: Partial<ServiceError> | null, res?: unknown) => {
          end({ code: err ? (GrpcStatus[err.code ?? GrpcStatus.UNKNOWN] ?? "UNKNOWN") : "OK" });
          callback(err, res);
        });
      };
    }
    return timed as S;
  }
}
