// What `npm ci` installs against the Node.js range we promise: every package the lock installs on
// this platform admits every Node.js version of the root `engines.node` range (its lowest version
// and the newest we test), so a fresh `npm install` prints no EBADENGINE warning. npm checks the
// same `engines` fields when it installs; reading the lock checks them without a network.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import semver from "semver";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const read = (file: string) => JSON.parse(readFileSync(join(ROOT, file), "utf8"));

interface LockedPackage {
  version?: string;
  link?: boolean;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  engines?: Record<string, string> | string[];
}

/** Whether npm installs this locked package here (optional ones for another OS or CPU it skips). */
function installedHere(pkg: LockedPackage): boolean {
  const allows = (list: string[] | undefined, value: string) =>
    !list || list.some((v) => v === value) || (list.every((v) => v.startsWith("!")) && !list.includes(`!${value}`));
  return !pkg.link && (!pkg.optional || (allows(pkg.os, process.platform) && allows(pkg.cpu, process.arch)));
}

/** The locked packages installed here whose engines.node does not admit this Node.js version. */
function refusing(packages: Record<string, LockedPackage>, node: string): string[] {
  const refused: string[] = [];
  for (const [path, pkg] of Object.entries(packages)) {
    if (!path || !installedHere(pkg) || !pkg.engines || Array.isArray(pkg.engines) || !pkg.engines.node) continue;
    if (!semver.satisfies(node, pkg.engines.node)) refused.push(`${path}@${pkg.version}: node ${pkg.engines.node}`);
  }
  return refused;
}

describe("npm install on the Node.js versions we support", () => {
  const floor: string = read("package.json").engines.node;
  const lowest = semver.minVersion(floor)!.version;
  const lock: { packages: Record<string, LockedPackage> } = read("package-lock.json");

  it("states a floor that this Node.js meets", () => {
    expect(semver.satisfies(process.versions.node, floor)).toBe(true);
  });

  it.each([lowest, process.versions.node])("every installed package's engines.node admits Node %s", (node) => {
    expect(refusing(lock.packages, node)).toEqual([]);
  });

  it("names a package that asks for a newer Node.js, and skips optional ones for other platforms", () => {
    const packages: Record<string, LockedPackage> = {
      "": { version: "0.0.0" },
      "node_modules/@prisma/streams-local": { version: "0.1.11", engines: { bun: ">=1.2.0", node: ">=22.0.0" } },
      "node_modules/fsevents": { version: "2.3.3", optional: true, os: ["darwin"], engines: { node: ">=99" } },
      "node_modules/ok": { version: "1.0.0", engines: { node: ">=18" } },
    };
    expect(refusing(packages, "20.19.0")).toEqual(["node_modules/@prisma/streams-local@0.1.11: node >=22.0.0"]);
  });
});
