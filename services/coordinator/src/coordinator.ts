import { Server } from "@grpc/grpc-js";
import { assertListenerAllowed, LIMITS, serverCredentials, serverInterceptors, type GrpcServerSecurity } from "@automl/common";
import { CoordinatorService, TrialReportingService } from "@automl/proto";
import type { Logger } from "@automl/common";
import type { Db } from "@automl/db";
import type { TrialQueue } from "@automl/messaging";
import type { Registry } from "@automl/common";
import { SchedulerLease, type LeaseOptions, type Role } from "./scheduler-lease";
import { CoordinatorMetrics } from "./metrics";
import { Scheduler, type SchedulerOptions } from "./scheduler";
import { coordinatorService, reportingService } from "./services";
import { CredentialCache, METHOD_ROLES } from "./credentials";
import { Store } from "./store";

export interface CoordinatorOptions {
  db: Db;
  queue: TrialQueue;
  log: Logger;
  /** host:port; port 0 picks a free one. */
  listen: string;
  /** TLS and bearer token (docs/operations.md "Security"); beyond loopback a token is required unless `insecure`. */
  security?: GrpcServerSecurity;
  insecure?: boolean;
  scheduler?: Partial<SchedulerOptions>;
  /**
   * Accept datasets given by a local `path`: only the embedded stack, whose workers run in this
   * process for the one user whose CLI is its only client. Elsewhere a path would make a worker
   * read its own disk, so CreateStudy refuses it (upload the file: `automl study create` does).
   */
  localDatasetPaths?: boolean;
  /** The scheduler lease (scheduler-lease.ts): of several coordinators on one database, only its holder schedules. */
  lease?: Partial<LeaseOptions>;
  /** How long a role token's lookup (credentials.ts) is trusted: a revoked token is refused within this (default 2 s). */
  credentialTtlMs?: number;
}

export interface RunningCoordinator {
  /** host:port actually bound. */
  address: string;
  scheduler: Scheduler;
  /** Whether this coordinator schedules now, or stands by serving RPCs until the leader's lease expires. */
  role(): Role;
  /** Readiness: holds the lease or waits for it, i.e. its lease rounds reach the database. */
  healthy(): boolean;
  /** Prometheus metrics (served at /metrics by the CLI's health server). */
  metrics: Registry;
  stop(): Promise<void>;
}

/**
 * Serves both gRPC services on one port and runs the scheduler while it holds the scheduler
 * lease. Every coordinator serves every RPC from Postgres state (a worker reports to whichever it
 * reaches); only the leader samples, dispatches and finishes studies.
 */
export async function startCoordinator(opts: CoordinatorOptions): Promise<RunningCoordinator> {
  // Role tokens from the Credential table besides the legacy token (admin), each RPC for its roles.
  const roleTokens = new CredentialCache(opts.db, { ttlMs: opts.credentialTtlMs });
  const security: GrpcServerSecurity = { ...opts.security, roleTokens, methodRoles: METHOD_ROLES };
  assertListenerAllowed(opts.listen, security, { insecure: opts.insecure, log: opts.log, roleTokensIssued: await roleTokens.inUse() });
  const schedulerOpts = { intervalMs: 1_000, ackWaitMs: 30_000, maxDeliver: 3, ...opts.scheduler };
  // A trial is started at most maxDeliver times, however its messages were delivered (see Store).
  const metrics = new CoordinatorMetrics(opts.db, opts.queue, opts.log);
  const store = new Store(opts.db, { maxAttempts: schedulerOpts.maxDeliver, observeBatch: metrics.observeBatch });
  const lease = new SchedulerLease(opts.db, opts.log, { ttlMs: 5_000, ...opts.lease });
  const scheduler = new Scheduler(store, metrics.countingQueue(opts.queue), opts.log, schedulerOpts, lease);
  lease.onChange((role) => {
    metrics.setLeader(role === "leader");
    if (role === "leader") scheduler.wake();
  });
  const server = new Server({ "grpc.max_receive_message_length": LIMITS.grpcMessageBytes, "grpc.max_send_message_length": LIMITS.grpcMessageBytes, interceptors: serverInterceptors(security, opts.log) });
  server.addService(CoordinatorService, metrics.instrument(coordinatorService(store, scheduler, opts.log, opts.queue, { localDatasetPaths: opts.localDatasetPaths ?? false })));
  server.addService(TrialReportingService, metrics.instrument(reportingService(store, scheduler, opts.log)));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(opts.listen, serverCredentials(security), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(":"));
  await lease.start();
  scheduler.start();
  opts.log.info({ address: `${host}:${port}`, tls: Boolean(security.tls), tokenRequired: Boolean(security.token) || (await roleTokens.inUse()), role: lease.role() }, "coordinator listening");
  return {
    address: `${host}:${port}`,
    scheduler,
    role: () => lease.role(),
    healthy: () => lease.healthy(),
    metrics: metrics.registry,
    async stop() {
      await scheduler.stop();
      // Released once no pass runs: a standby takes over now instead of after the lease's expiry.
      await lease.stop();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
