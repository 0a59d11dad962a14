import { createHash, randomBytes, randomUUID } from "node:crypto";
import { AppError, type GrpcIdentity, type GrpcRole, type RoleTokenLookup } from "@automl/common";
import { CoordinatorService, TrialReportingService } from "@automl/proto";
import type { Db } from "@automl/db";

/** The roles `automl token create` issues; admin is only the legacy AUTOML_GRPC_TOKEN (and an open loopback coordinator). */
export const ISSUED_ROLES = ["worker", "client", "viewer"] as const satisfies readonly GrpcRole[];
export type IssuedRole = (typeof ISSUED_ROLES)[number];

/** Read-only Coordinator RPCs: the viewer role's whole reach. */
const READS = new Set(["getStudy", "listStudies", "listTrials", "getRefit"]);

/**
 * Who may call each RPC besides admin (docs/operations.md "Security" has it as a table):
 * TrialReporting is the workers' alone, the Coordinator service the clients', and its reads also
 * the viewers'. Built from the service definitions, so a new RPC is admin-only until listed here.
 */
export const METHOD_ROLES: Readonly<Record<string, readonly GrpcRole[]>> = Object.fromEntries([
  ...Object.entries(CoordinatorService).map(([name, m]) => [m.path, READS.has(name) ? ["client", "viewer"] : ["client"]] as const),
  ...Object.values(TrialReportingService).map((m) => [m.path, ["worker"]] as const),
]);

/** SHA-256 (hex) of a token: all the database ever holds of it. */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export interface CredentialRow {
  id: string;
  role: string;
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Makes a role token: a random secret (`automl_<role>_` + 256 bits, base64url) of which only the
 * hash is stored. The secret is returned once and never again.
 */
export async function createCredential(db: Db, role: string, name?: string): Promise<{ id: string; name: string; role: IssuedRole; token: string }> {
  if (!(ISSUED_ROLES as readonly string[]).includes(role)) throw new AppError("INVALID_ARGUMENT", `--role: must be worker, client or viewer (got ${JSON.stringify(role)})`);
  const id = randomUUID();
  const n = name ?? `${role}-${id.slice(0, 8)}`;
  if (!NAME.test(n)) throw new AppError("INVALID_ARGUMENT", "--name: 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit");
  const token = `automl_${role}_${randomBytes(32).toString("base64url")}`;
  try {
    await db.credential.create({ data: { id, role, name: n, hash: tokenHash(token) } });
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new AppError("INVALID_ARGUMENT", `--name: a credential named ${n} exists (names are never reused, even revoked ones)`, { cause: err });
    throw err;
  }
  return { id, name: n, role: role as IssuedRole, token };
}

export async function listCredentials(db: Db): Promise<CredentialRow[]> {
  return db.credential.findMany({ select: { id: true, role: true, name: true, createdAt: true, revokedAt: true }, orderBy: { createdAt: "asc" } });
}

/** Revokes the credential with this id or name; the coordinators refuse it within their cache's TTL. */
export async function revokeCredential(db: Db, idOrName: string): Promise<CredentialRow> {
  const found = await db.credential.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] }, select: { id: true } });
  if (!found) throw new AppError("NOT_FOUND", `no credential with id or name ${JSON.stringify(idOrName)} (see \`automl token list\`)`);
  // A second revoke keeps the first time.
  await db.credential.updateMany({ where: { id: found.id, revokedAt: null }, data: { revokedAt: new Date() } });
  return db.credential.findUniqueOrThrow({ where: { id: found.id }, select: { id: true, role: true, name: true, createdAt: true, revokedAt: true } });
}

/**
 * The coordinator's view of the Credential table: a presented token's role, cached for `ttlMs`
 * (default 2 s) so that a busy worker costs no query per call, yet a revoked or rotated token is
 * refused within seconds, without a restart. Unknown tokens are cached too (a flood of guesses
 * costs one query per guess per TTL at most), in a map bounded by `maxEntries`.
 */
export class CredentialCache implements RoleTokenLookup {
  private readonly entries = new Map<string, { at: number; identity: GrpcIdentity | undefined }>();
  private issued: { at: number; value: Promise<boolean> } | undefined;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly db: Db,
    opts: { ttlMs?: number; maxEntries?: number } = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 2_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  async lookup(token: string): Promise<GrpcIdentity | undefined> {
    const hash = tokenHash(token);
    const now = performance.now();
    const hit = this.entries.get(hash);
    if (hit && now - hit.at < this.ttlMs) return hit.identity;
    const row = await this.db.credential.findUnique({ where: { hash }, select: { role: true, name: true, revokedAt: true } });
    const identity = row && row.revokedAt === null && (ISSUED_ROLES as readonly string[]).includes(row.role) ? { role: row.role as GrpcRole, name: row.name } : undefined;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(hash, { at: now, identity });
    return identity;
  }

  /** Whether any role token was ever issued (revoked ones count: revoking the last one does not reopen the coordinator). */
  inUse(): Promise<boolean> {
    const now = performance.now();
    if (!this.issued || now - this.issued.at >= this.ttlMs) {
      const value = this.db.credential.count({ take: 1 }).then((n) => n > 0);
      // A failed query is not cached.
      value.catch(() => (this.issued = undefined));
      this.issued = { at: now, value };
    }
    return this.issued.value;
  }
}
