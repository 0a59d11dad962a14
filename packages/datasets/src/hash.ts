import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

// SHA-256 hex is the dataset's identity: the object-store name of an uploaded file and the
// worker cache key, so the same bytes are stored and fetched once whatever their file name.

/** SHA-256 of a file, lowercase hex; streamed so a large file is never held in memory. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** SHA-256 of bytes, lowercase hex. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
