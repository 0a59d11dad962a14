// The build is optional: without a compiler (here: an empty PATH, so no g++/c++/make) the build
// script succeeds, builds nothing and prints one line saying how to enable the native backend.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = join(dirname(fileURLToPath(import.meta.url)), "..", "scripts", "build.mjs");

describe("scripts/build.mjs", () => {
  it("exits 0 with exactly one line when no C++ compiler is on PATH", () => {
    const r = spawnSync(process.execPath, [script], { env: { PATH: "/nonexistent" }, encoding: "utf8" });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^@automl\/nn-native: not built \(no C\+\+ compiler\).*apt-get install libopenblas-dev && npm run build -w @automl\/nn-native$/);
    expect(r.stderr).toBe("");
  });
});
