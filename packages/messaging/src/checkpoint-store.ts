// Where workers keep the checkpoints of running trials (one object per trial, replaced at every
// checkpoint, deleted once the trial's outcome is recorded): a JetStream Object Store bucket in
// the distributed stack, a directory in the embedded one. The envelope (worker side) carries the
// trial's identity and the payload's SHA-256, so a store only moves bytes.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { NatsConnection } from "@nats-io/nats-core";
import { Objm, StorageType, type ObjectStore } from "@nats-io/obj";
import { connectNats, type NatsCredentials, type NatsTls } from "./nats-auth";

export const DEFAULT_CHECKPOINT_BUCKET = "automl-checkpoints";
/** Refit models (`automl refit` through a worker), by their SHA-256. The same kind of bucket. */
export const DEFAULT_MODEL_BUCKET = "automl-models";

export interface CheckpointStore {
  /** The last checkpoint stored for a trial, or undefined. */
  get(trialId: string): Promise<Uint8Array | undefined>;
  put(trialId: string, bytes: Uint8Array): Promise<void>;
  delete(trialId: string): Promise<void>;
  close(): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;
function checkId(trialId: string): void {
  if (!SAFE_ID.test(trialId)) throw new Error(`checkpoint store: bad trial id ${JSON.stringify(trialId.slice(0, 40))}`);
}

/** Files under a directory, written then renamed (a reader never sees half a checkpoint). */
export class DirectoryCheckpointStore implements CheckpointStore {
  constructor(readonly dir: string) {}
  async get(trialId: string): Promise<Uint8Array | undefined> {
    checkId(trialId);
    return readFile(join(this.dir, trialId)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
  }
  async put(trialId: string, bytes: Uint8Array): Promise<void> {
    checkId(trialId);
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${trialId}.${process.pid}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(this.dir, trialId));
  }
  async delete(trialId: string): Promise<void> {
    checkId(trialId);
    await rm(join(this.dir, trialId), { force: true });
  }
  async close(): Promise<void> {}
}

export interface JetStreamCheckpointStoreConfig {
  url: string;
  bucket?: string;
  description?: string;
  /** Open without creating (a reader whose NATS user may not create streams); a missing bucket reads as empty. */
  readOnly?: boolean;
  credentials?: NatsCredentials;
  tls?: NatsTls;
}

/**
 * A JetStream Object Store bucket of blobs by id: trial checkpoints (DEFAULT_CHECKPOINT_BUCKET,
 * by trial id) and refit models (DEFAULT_MODEL_BUCKET, by SHA-256). Its NATS connection is named
 * after the bucket, so a server's connection list tells the two apart.
 */
export class JetStreamCheckpointStore implements CheckpointStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly os: ObjectStore,
  ) {}

  static async connect(config: JetStreamCheckpointStoreConfig): Promise<JetStreamCheckpointStore> {
    const bucket = config.bucket ?? DEFAULT_CHECKPOINT_BUCKET;
    const nc = await connectNats({ url: config.url, name: bucket, credentials: config.credentials, tls: config.tls });
    try {
      // create() opens the bucket when it exists; workers may create it (infra/nats/auth.conf).
      const os = config.readOnly
        ? await new Objm(nc).open(bucket, false)
        : await new Objm(nc).create(bucket, { storage: StorageType.File, description: config.description ?? "automl checkpoints of running trials" });
      return new JetStreamCheckpointStore(nc, os);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  async get(trialId: string): Promise<Uint8Array | undefined> {
    checkId(trialId);
    const bytes = await this.os.getBlob(trialId).catch((err: unknown) => {
      if (/stream not found/i.test((err as Error).message)) return null; // a read-only open of a bucket not made yet
      throw err;
    });
    return bytes ?? undefined;
  }
  async put(trialId: string, bytes: Uint8Array): Promise<void> {
    checkId(trialId);
    await this.os.putBlob({ name: trialId }, bytes);
  }
  async delete(trialId: string): Promise<void> {
    checkId(trialId);
    await this.os.delete(trialId).catch(() => {}); // absent: nothing to delete
  }
  async close(): Promise<void> {
    await this.nc.close();
  }
}
