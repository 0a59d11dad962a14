import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connectNats, type NatsCredentials, type NatsTls } from "./nats-auth";
import type { NatsConnection } from "@nats-io/nats-core";
import { Objm, StorageType, type ObjectStore } from "@nats-io/obj";
import { AppError } from "@automl/common";

/**
 * Uploaded dataset files by content hash (SHA-256, lowercase hex). Trials carry only the hash;
 * a worker resolves it here. The hash is the identity, so every read is checked against it.
 */
export interface DatasetStore {
  /** Stores bytes under their hash; a no-op when the hash is already present. */
  put(hash: string, bytes: Uint8Array, meta: { name: string }): Promise<void>;
  /** The bytes stored under hash; AppError NOT_FOUND when absent. */
  get(hash: string): Promise<Uint8Array>;
  has(hash: string): Promise<boolean>;
}

export const DEFAULT_DATASET_BUCKET = "automl-datasets";

const HASH = /^[0-9a-f]{64}$/;

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function checkHash(hash: string): void {
  if (typeof hash !== "string" || !HASH.test(hash)) {
    throw new AppError("INVALID_ARGUMENT", `dataset hash: must be 64 lowercase hex digits (SHA-256), got ${JSON.stringify(hash)}`);
  }
}

// Refusing bytes that do not hash to their name keeps a wrong upload from poisoning every
// worker that later trusts the name.
function checkContent(hash: string, bytes: Uint8Array, where: string): void {
  const actual = sha256Hex(bytes);
  if (actual !== hash) {
    throw new AppError("INTERNAL", `dataset ${hash}: content from ${where} hashes to ${actual} (${bytes.length} bytes); it is corrupt or was stored under the wrong name`);
  }
}

function notFound(hash: string, where: string): AppError {
  return new AppError("NOT_FOUND", `dataset ${hash} is not in ${where}; upload the file first (the study's dataset is referenced by the SHA-256 of its content)`);
}

/** In-process store: the embedded stack and tests. */
export class MemoryDatasetStore implements DatasetStore {
  private readonly objects = new Map<string, Uint8Array>();

  async put(hash: string, bytes: Uint8Array, _meta: { name: string }): Promise<void> {
    checkHash(hash);
    if (this.objects.has(hash)) return;
    checkContent(hash, bytes, "put");
    this.objects.set(hash, bytes.slice()); // a copy: the caller may reuse its buffer
  }

  async get(hash: string): Promise<Uint8Array> {
    checkHash(hash);
    const bytes = this.objects.get(hash);
    if (bytes === undefined) throw notFound(hash, "the in-memory dataset store");
    return bytes.slice();
  }

  async has(hash: string): Promise<boolean> {
    checkHash(hash);
    return this.objects.has(hash);
  }
}

export interface JetStreamDatasetStoreConfig {
  url: string;
  /** Object Store bucket; default "automl-datasets". Tests use one of their own. */
  bucket?: string;
  credentials?: NatsCredentials;
  tls?: NatsTls;
  /**
   * Open the bucket without creating it (workers: their NATS user may read the bucket, not
   * create streams).
   */
  readOnly?: boolean;
}

/** A JetStream Object Store bucket (file storage), one object per dataset named by its hash. */
export class JetStreamDatasetStore implements DatasetStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly os: ObjectStore,
    readonly bucket: string,
  ) {}

  static async connect(config: JetStreamDatasetStoreConfig): Promise<JetStreamDatasetStore> {
    const bucket = config.bucket ?? DEFAULT_DATASET_BUCKET;
    const nc = await connectNats({ url: config.url, name: "automl-datasets", credentials: config.credentials, tls: config.tls });
    try {
      // create() opens the bucket when it exists, so every process allowed to create it may call it.
      const os = config.readOnly
        ? // Unchecked: the bucket may not exist until the first upload; a read then finds nothing.
          await new Objm(nc).open(bucket, false)
        : await new Objm(nc).create(bucket, { storage: StorageType.File, description: "automl uploaded datasets by SHA-256" });
      return new JetStreamDatasetStore(nc, os, bucket);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  async put(hash: string, bytes: Uint8Array, meta: { name: string }): Promise<void> {
    checkHash(hash);
    if (await this.has(hash)) return;
    checkContent(hash, bytes, "put");
    // Two uploaders racing past has() both write identical bytes; the later one simply wins.
    await this.os.putBlob({ name: hash, description: meta.name }, bytes);
  }

  /** A read-only store opens the bucket unchecked: before the first upload there is no stream behind it. */
  private absentBucket(err: unknown): boolean {
    return /stream not found/i.test((err as Error).message);
  }

  async get(hash: string): Promise<Uint8Array> {
    checkHash(hash);
    const bytes = await this.os.getBlob(hash).catch((err: unknown) => {
      if (this.absentBucket(err)) return null;
      throw err;
    });
    if (bytes === null) throw notFound(hash, `JetStream object store bucket "${this.bucket}"`);
    checkContent(hash, bytes, `bucket "${this.bucket}"`);
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    checkHash(hash);
    const info = await this.os.info(hash).catch((err: unknown) => {
      if (this.absentBucket(err)) return null;
      throw err;
    });
    return info !== null && !info.deleted;
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

/**
 * Keeps objects fetched from `inner` on local disk by hash, so a worker downloads each dataset
 * once however many trials use it. Files appear atomically (temp file + rename), so a crash or
 * a concurrent worker never leaves a half-written file under a hash name; a cached file that no
 * longer matches its hash is dropped and fetched again.
 */
export class CachedDatasetStore implements DatasetStore {
  constructor(
    private readonly inner: DatasetStore,
    readonly cacheDir: string,
  ) {}

  private pathOf(hash: string): string {
    return join(this.cacheDir, hash);
  }

  async put(hash: string, bytes: Uint8Array, meta: { name: string }): Promise<void> {
    checkHash(hash);
    // Checked here too: inner.put skips present hashes unread, and the cache must not keep bad bytes.
    checkContent(hash, bytes, "put");
    await this.inner.put(hash, bytes, meta);
    await this.keep(hash, bytes);
  }

  async get(hash: string): Promise<Uint8Array> {
    checkHash(hash);
    const cached = await this.readCached(hash);
    if (cached !== undefined) return cached;
    const bytes = await this.inner.get(hash);
    await this.keep(hash, bytes);
    return bytes;
  }

  async has(hash: string): Promise<boolean> {
    checkHash(hash);
    // Existence only: get() verifies the content when it is actually read.
    const cached = await stat(this.pathOf(hash)).then(
      (st) => st.isFile(),
      () => false,
    );
    return cached || this.inner.has(hash);
  }

  private async readCached(hash: string): Promise<Uint8Array | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.pathOf(hash));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    if (sha256Hex(bytes) !== hash) {
      await rm(this.pathOf(hash), { force: true });
      return undefined;
    }
    return bytes;
  }

  private async keep(hash: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.cacheDir, { recursive: true });
    const tmp = join(this.cacheDir, `.${hash}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, this.pathOf(hash));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}
