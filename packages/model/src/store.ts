// Models on disk, content-addressed: <dir>/<sha256>.json. Writing the same model twice is one
// file; a file whose bytes no longer hash to its name is refused when read.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ModelFormatError, modelId, parseArtifact, serializeArtifact, type ModelArtifact } from "./artifact";

const ID = /^[0-9a-f]{64}$/;

export interface StoredModel {
  id: string;
  path: string;
  size: number;
}

export class ModelStore {
  constructor(readonly dir: string) {}

  put(a: ModelArtifact): StoredModel {
    const bytes = serializeArtifact(a);
    const id = modelId(bytes);
    const file = path.join(this.dir, `${id}.json`);
    if (!existsSync(file)) {
      mkdirSync(this.dir, { recursive: true });
      // Write, then rename: a reader never sees half a model under its final name.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, file);
    }
    return { id, path: file, size: bytes.length };
  }

  /** Stores an artifact's bytes under their id (refused unless they hash to it and parse). */
  putBytes(id: string, bytes: Uint8Array): StoredModel {
    if (!ID.test(id) || modelId(bytes) !== id) throw new ModelFormatError(`bytes do not hash to ${id.slice(0, 12)}`);
    return this.put(parseArtifact(bytes));
  }

  /** The ids of every stored model. */
  list(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith(".json") && ID.test(f.slice(0, -5)))
      .map((f) => f.slice(0, -5));
  }

  /**
   * A model by full id, by an unambiguous id prefix (at least 6 hex digits), or by file path
   * (an exported .json artifact anywhere). Its hash is checked when it comes from the store.
   */
  resolve(ref: string): { artifact: ModelArtifact; id: string; path: string } {
    if (/^[0-9a-f]{6,64}$/.test(ref)) {
      const hits = this.list().filter((id) => id.startsWith(ref));
      if (hits.length > 1) throw new ModelFormatError(`${ref} matches ${hits.length} models; give more digits`);
      if (hits.length === 1) {
        const file = path.join(this.dir, `${hits[0]}.json`);
        const bytes = readFileSync(file);
        if (modelId(bytes) !== hits[0]) throw new ModelFormatError(`${file} does not hash to its name: corrupt, refused`);
        return { artifact: parseArtifact(bytes), id: hits[0]!, path: file };
      }
    }
    if (existsSync(ref) && statSync(ref).isFile()) {
      const bytes = readFileSync(ref);
      return { artifact: parseArtifact(bytes), id: modelId(bytes), path: ref };
    }
    throw new ModelFormatError(`no model ${ref} (neither a stored model id under ${this.dir} nor a file)`);
  }
}
