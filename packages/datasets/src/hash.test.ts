import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hashBytes, hashFile } from "./hash";

const dir = mkdtempSync(join(tmpdir(), "automl-hash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("hashing", () => {
  it("matches the published SHA-256 test vectors", () => {
    expect(hashBytes(new Uint8Array())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hashBytes(new TextEncoder().encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashFile streams a multi-chunk file to the same digest as hashBytes", async () => {
    const bytes = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 31) & 0xff); // > one 64 KiB read chunk
    const path = join(dir, "big.bin");
    writeFileSync(path, bytes);
    expect(await hashFile(path)).toBe(hashBytes(bytes));
    await expect(hashFile(join(dir, "absent"))).rejects.toThrow(/ENOENT/);
  });
});
