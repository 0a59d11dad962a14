import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { Logger } from "@automl/common";
import { Prisma, type Db } from "@automl/db";

export interface LeaseOptions {
  /** How long a lease lasts without renewal: a dead leader is replaced about this long after its last renewal. */
  ttlMs: number;
  /** Renewal (leader) and acquisition (standby) period; default ttlMs / 5. */
  everyMs?: number;
  /** This coordinator's name in the lease row; default hostname:pid:random. */
  holder?: string;
}

export type Role = "leader" | "standby";

/** The lease row's name: one scheduler per database. */
const LEASE = "scheduler";

/**
 * SQL condition that holds only while `token` is the current, unexpired lease. Scheduling writes
 * include it, so a leader that lost the lease without knowing (paused, cut off from the database)
 * writes nothing. FOR SHARE: a takeover waits for a fenced write in flight to commit, so the new
 * leader's first pass sees it.
 */
export function holdsLease(token: bigint): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM "SchedulerLease" l
    WHERE l.name = ${LEASE} AND l.token = ${token} AND l."expiresAt" > now() AT TIME ZONE 'UTC' FOR SHARE)`;
}

/**
 * Leader election over a Postgres row (a lease with a fencing token), not a session advisory lock:
 * it needs no dedicated connection (the embedded PGlite serves every client as one session, where
 * an advisory lock would be granted to all), it uses the database's clock only, and every write
 * of the scheduler can check it (`holdsLease`). One round trip per period: the leader extends its
 * lease; a standby takes it over once it expired, which bumps the token.
 */
export class SchedulerLease {
  readonly holder: string;
  private readonly everyMs: number;
  private token: bigint | undefined;
  /** performance.now() until which this process may act on `token` (from when the renewal was sent). */
  private validUntil = 0;
  /** performance.now() of the last round trip that reached the database. */
  private lastContact = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly listeners = new Set<(role: Role) => void>();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly opts: LeaseOptions,
  ) {
    this.holder = opts.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
    this.everyMs = opts.everyMs ?? Math.max(50, Math.floor(opts.ttlMs / 5));
  }

  /** One round now (a lone coordinator schedules at once), then one per period. */
  async start(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => void this.round(), this.everyMs);
  }

  /** Calls `fn` whenever this coordinator becomes leader or standby. */
  onChange(fn: (role: Role) => void): void {
    this.listeners.add(fn);
  }

  /** The token to fence writes with while this process may lead; undefined on a standby. */
  fence(): bigint | undefined {
    if (this.token !== undefined && performance.now() >= this.validUntil) this.lose("lease expired before it could be renewed");
    return this.token;
  }

  role(): Role {
    return this.fence() === undefined ? "standby" : "leader";
  }

  /** Holds or waits: the lease rounds reach the database (readiness). */
  healthy(): boolean {
    return performance.now() - this.lastContact < this.opts.ttlMs;
  }

  /** Asks the database whether `token` is still the current lease (before a write Postgres cannot fence). */
  async confirm(token: bigint): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ ok: boolean }[]>`SELECT ${holdsLease(token)} AS ok`;
    return rows[0]?.ok === true;
  }

  /** Stops renewing and, if leading, hands the lease over at once (a rollout does not wait for it to expire). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.inFlight;
    const token = this.token;
    if (token === undefined) return;
    this.lose("coordinator stopping", "info");
    await this.db.$executeRaw`UPDATE "SchedulerLease" SET "expiresAt" = now() AT TIME ZONE 'UTC'
      WHERE name = ${LEASE} AND holder = ${this.holder} AND token = ${token}`.catch((err: unknown) =>
      this.log.warn({ err: (err as Error).message }, "scheduler lease not released; it expires on its own"),
    );
  }

  private round(): Promise<void> {
    if (this.inFlight || this.stopped) return this.inFlight ?? Promise.resolve();
    const p = this.acquireOrRenew().finally(() => (this.inFlight = undefined));
    this.inFlight = p;
    return p;
  }

  private async acquireOrRenew(): Promise<void> {
    const sentAt = performance.now();
    const ttl = `${this.opts.ttlMs} milliseconds`;
    let rows: { token: bigint }[];
    try {
      // Insert the row, or take it when it is ours or expired. The token stays while the same
      // holder renews in time and grows on every takeover (and when we come back after expiry).
      rows = await this.db.$queryRaw<{ token: bigint }[]>`
        INSERT INTO "SchedulerLease" AS s (name, holder, token, "expiresAt", "renewedAt")
        VALUES (${LEASE}, ${this.holder}, 1, now() AT TIME ZONE 'UTC' + ${ttl}::interval, now() AT TIME ZONE 'UTC')
        ON CONFLICT (name) DO UPDATE SET
          holder = EXCLUDED.holder,
          token = CASE WHEN s.holder = EXCLUDED.holder AND s."expiresAt" > EXCLUDED."renewedAt" THEN s.token ELSE s.token + 1 END,
          "expiresAt" = EXCLUDED."expiresAt",
          "renewedAt" = EXCLUDED."renewedAt"
        WHERE s.holder = EXCLUDED.holder OR s."expiresAt" <= EXCLUDED."renewedAt"
        RETURNING s.token`;
    } catch (err) {
      this.log.warn({ err: (err as Error).message, role: this.token === undefined ? "standby" : "leader" }, "scheduler lease round failed");
      this.fence();
      return;
    }
    if (this.stopped) return;
    this.lastContact = performance.now();
    const token = rows[0] === undefined ? undefined : BigInt(rows[0].token);
    if (token === undefined) {
      if (this.token !== undefined) this.lose("another coordinator holds the scheduler lease");
      return;
    }
    // The database's expiry is at least ttl after `sentAt`; a fifth of it is margin for clock rates.
    this.validUntil = sentAt + this.opts.ttlMs * 0.8;
    if (token !== this.token) {
      const previous = this.token;
      this.token = token;
      this.log.info({ holder: this.holder, token: String(token), previous: previous === undefined ? undefined : String(previous) }, "scheduler lease acquired: leading");
      this.emit("leader");
    }
  }

  /** `level`: info when we hand the lease over on purpose (a normal stop is not worth a warning). */
  private lose(reason: string, level: "warn" | "info" = "warn"): void {
    if (this.token === undefined) return;
    this.log[level]({ holder: this.holder, token: String(this.token), reason }, level === "warn" ? "scheduler lease lost: standing by" : "scheduler lease released");
    this.token = undefined;
    this.validUntil = 0;
    this.emit("standby");
  }

  private emit(role: Role): void {
    for (const fn of this.listeners) fn(role);
  }
}
