import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allowedDatasetPath } from "./dataset-paths";

const root = realpathSync(mkdtempSync(join(tmpdir(), "automl-paths-")));
const allowed = join(root, "allowed");
const outside = join(root, "outside");
mkdirSync(join(allowed, "sub"), { recursive: true });
mkdirSync(outside);
writeFileSync(join(allowed, "sub", "ok.csv"), "a,t\n1,0\n");
writeFileSync(join(outside, "secret.csv"), "a,t\n1,0\n");
symlinkSync(join(outside, "secret.csv"), join(allowed, "link.csv"));
// A sibling whose name starts like the allowed directory: a prefix test without the separator would admit it.
mkdirSync(`${allowed}-evil`);
writeFileSync(join(`${allowed}-evil`, "x.csv"), "a,t\n1,0\n");
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("allowedDatasetPath", () => {
  it("admits a file under an allowed directory, as its real path", async () => {
    expect(await allowedDatasetPath(join(allowed, "sub", "ok.csv"), [allowed])).toBe(join(allowed, "sub", "ok.csv"));
    expect(await allowedDatasetPath(join(allowed, "sub", "..", "sub", "ok.csv"), [allowed])).toBe(join(allowed, "sub", "ok.csv"));
  });

  it("refuses files outside, through `..`, through a symlink, in a look-alike sibling, or missing", async () => {
    for (const p of [
      "/etc/passwd",
      join(outside, "secret.csv"),
      join(allowed, "..", "outside", "secret.csv"),
      join(allowed, "link.csv"),
      join(`${allowed}-evil`, "x.csv"),
      join(allowed, "missing.csv"),
    ]) {
      expect(await allowedDatasetPath(p, [allowed]), p).toBeUndefined();
    }
  });

  it("refuses every path when no directory is allowed, and admits any under the embedded policy", async () => {
    expect(await allowedDatasetPath(join(allowed, "sub", "ok.csv"), [])).toBeUndefined();
    expect(await allowedDatasetPath("/etc/passwd", "any")).toBe("/etc/passwd");
  });
});
