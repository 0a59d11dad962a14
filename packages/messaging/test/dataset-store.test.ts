import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { Objm } from "@nats-io/obj";
import { AppError } from "@automl/common";
import { CachedDatasetStore, JetStreamDatasetStore, MemoryDatasetStore, type DatasetStore } from "../src/index";
import { natsAvailable, TEST_NATS_URL, uniqueStreamNames } from "../src/testing";

const natsUp = await natsAvailable();
// One bucket for this file, removed after; the name reuses the per-file unique test id.
const bucket = uniqueStreamNames().subjectPrefix;

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const payload = (size: number) => new Uint8Array(randomBytes(size));
const cacheRoot = mkdtempSync(join(tmpdir(), "automl-dscache-"));
afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

/** Counts calls to the wrapped store, to tell cache hits from fetches. */
class Counting implements DatasetStore {
  calls = { put: 0, get: 0, has: 0 };
  constructor(readonly inner: DatasetStore) {}
  put(hash: string, bytes: Uint8Array, meta: { name: string }) {
    this.calls.put++;
    return this.inner.put(hash, bytes, meta);
  }
  get(hash: string) {
    this.calls.get++;
    return this.inner.get(hash);
  }
  has(hash: string) {
    this.calls.has++;
    return this.inner.has(hash);
  }
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

let jetstream: JetStreamDatasetStore | undefined;
beforeAll(async () => {
  if (natsUp) jetstream = await JetStreamDatasetStore.connect({ url: TEST_NATS_URL, bucket });
});
afterAll(async () => {
  if (!natsUp) return;
  await jetstream?.close();
  const nc = await connect({ servers: TEST_NATS_URL });
  await (await new Objm(nc).open(bucket)).destroy();
  await nc.close();
});

const implementations: { name: string; enabled: boolean; make(): DatasetStore }[] = [
  { name: "MemoryDatasetStore", enabled: true, make: () => new MemoryDatasetStore() },
  { name: "JetStreamDatasetStore", enabled: natsUp, make: () => jetstream! },
  { name: "CachedDatasetStore(Memory)", enabled: true, make: () => new CachedDatasetStore(new MemoryDatasetStore(), mkdtempSync(join(cacheRoot, "c-"))) },
  { name: "CachedDatasetStore(JetStream)", enabled: natsUp, make: () => new CachedDatasetStore(jetstream!, mkdtempSync(join(cacheRoot, "c-"))) },
];

for (const impl of implementations) {
  describe.skipIf(!impl.enabled)(`DatasetStore conformance: ${impl.name}`, () => {
    it("round-trips ~2 MB byte for byte", async () => {
      const store = impl.make();
      const bytes = payload(2 * 1024 * 1024 + 123);
      const hash = sha(bytes);
      expect(await store.has(hash)).toBe(false);
      await store.put(hash, bytes, { name: "big.csv" });
      expect(await store.has(hash)).toBe(true);
      const back = await store.get(hash);
      expect(back.length).toBe(bytes.length);
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
    });

    it("put is idempotent and an empty file is a dataset too", async () => {
      const store = impl.make();
      const bytes = payload(1000);
      const hash = sha(bytes);
      await store.put(hash, bytes, { name: "a.csv" });
      await store.put(hash, bytes, { name: "renamed.csv" });
      expect(Buffer.from(await store.get(hash)).equals(Buffer.from(bytes))).toBe(true);
      const empty = new Uint8Array();
      await store.put(sha(empty), empty, { name: "empty.csv" });
      expect((await store.get(sha(empty))).length).toBe(0);
    });

    it("a missing hash is NOT_FOUND naming the hash", async () => {
      const store = impl.make();
      const hash = sha(payload(16));
      const err = await rejection(store.get(hash));
      expect(err.code).toBe("NOT_FOUND");
      expect(err.message).toContain(hash);
      expect(await store.has(hash)).toBe(false);
    });

    it("refuses bytes that do not hash to the given name, and malformed hashes", async () => {
      const store = impl.make();
      const bytes = payload(100);
      const wrong = sha(payload(100));
      const err = await rejection(store.put(wrong, bytes, { name: "x" }));
      expect(err.message).toContain(wrong);
      expect(await store.has(wrong)).toBe(false);
      expect((await rejection(store.get("not-a-hash"))).code).toBe("INVALID_ARGUMENT");
      expect((await rejection(store.put(sha(bytes).toUpperCase(), bytes, { name: "x" }))).code).toBe("INVALID_ARGUMENT");
    });
  });
}

describe("CachedDatasetStore", () => {
  it("a cache hit does not touch the inner store; a second cache over the same dir reuses the file", async () => {
    const inner = new Counting(new MemoryDatasetStore());
    const dir = mkdtempSync(join(cacheRoot, "hit-"));
    const bytes = payload(50_000);
    const hash = sha(bytes);
    await inner.put(hash, bytes, { name: "d.csv" }); // uploaded by someone else
    inner.calls = { put: 0, get: 0, has: 0 };

    const cache = new CachedDatasetStore(inner, dir);
    expect(Buffer.from(await cache.get(hash)).equals(Buffer.from(bytes))).toBe(true);
    expect(inner.calls.get).toBe(1);
    for (let i = 0; i < 3; i++) await cache.get(hash);
    expect(await cache.has(hash)).toBe(true);
    expect(inner.calls).toEqual({ put: 0, get: 1, has: 0 });

    // Another worker process on the same machine: a fresh object, same directory.
    const again = new CachedDatasetStore(inner, dir);
    expect(Buffer.from(await again.get(hash)).equals(Buffer.from(bytes))).toBe(true);
    expect(inner.calls.get).toBe(1);
    // Only the final file: no temp files left behind.
    expect(readdirSync(dir)).toEqual([hash]);
  });

  it("a corrupted cache file is dropped and fetched again", async () => {
    const inner = new Counting(new MemoryDatasetStore());
    const dir = mkdtempSync(join(cacheRoot, "corrupt-"));
    const bytes = payload(4096);
    const hash = sha(bytes);
    await inner.put(hash, bytes, { name: "d.csv" });
    const cache = new CachedDatasetStore(inner, dir);
    await cache.get(hash);
    writeFileSync(join(dir, hash), "truncated");
    expect(Buffer.from(await cache.get(hash)).equals(Buffer.from(bytes))).toBe(true);
    expect(inner.calls.get).toBe(2);
    await cache.get(hash);
    expect(inner.calls.get).toBe(2);
  });

  it("a missing hash passes the inner store's NOT_FOUND through and caches nothing", async () => {
    const dir = mkdtempSync(join(cacheRoot, "miss-"));
    const cache = new CachedDatasetStore(new MemoryDatasetStore(), dir);
    expect((await rejection(cache.get(sha(payload(8))))).code).toBe("NOT_FOUND");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe.skipIf(!natsUp)("JetStreamDatasetStore on the real NATS", () => {
  it("detects an object whose content does not match its hash name", async () => {
    const good = payload(300_000);
    const bad = payload(300_000);
    const hash = sha(good);
    // Write the wrong bytes under the hash directly, as a buggy uploader would.
    const nc = await connect({ servers: TEST_NATS_URL });
    const raw = await new Objm(nc).open(bucket);
    await raw.putBlob({ name: hash }, bad);
    await nc.close();
    expect(await jetstream!.has(hash)).toBe(true);
    const err = await rejection(jetstream!.get(hash));
    expect(err.code).toBe("INTERNAL");
    expect(err.message).toContain(hash);
    expect(err.message).toContain(sha(bad));
  });

  it("read-only (workers): a bucket not created yet reads as NOT_FOUND; once uploaded, the object", async () => {
    const own = `${bucket}-ro`;
    const reader = await JetStreamDatasetStore.connect({ url: TEST_NATS_URL, bucket: own, readOnly: true });
    const bytes = payload(1_000);
    const hash = sha(bytes);
    try {
      expect(await reader.has(hash)).toBe(false);
      expect((await rejection(reader.get(hash))).code).toBe("NOT_FOUND");
      const writer = await JetStreamDatasetStore.connect({ url: TEST_NATS_URL, bucket: own });
      await writer.put(hash, bytes, { name: "late.csv" });
      await writer.close();
      expect(Buffer.from(await reader.get(hash)).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      await reader.close();
      const nc = await connect({ servers: TEST_NATS_URL });
      await (await new Objm(nc).open(own)).destroy().catch(() => {});
      await nc.close();
    }
  });

  it("a second connection to the same bucket sees the object and does not re-upload", async () => {
    const bytes = payload(10_000);
    const hash = sha(bytes);
    await jetstream!.put(hash, bytes, { name: "shared.csv" });
    const other = await JetStreamDatasetStore.connect({ url: TEST_NATS_URL, bucket });
    try {
      expect(await other.has(hash)).toBe(true);
      const nc = await connect({ servers: TEST_NATS_URL });
      const raw = await new Objm(nc).open(bucket);
      const before = (await raw.info(hash))!.revision;
      await other.put(hash, bytes, { name: "shared.csv" });
      expect((await raw.info(hash))!.revision).toBe(before);
      expect((await raw.info(hash))!.description).toBe("shared.csv");
      await nc.close();
    } finally {
      await other.close();
    }
  });
});
