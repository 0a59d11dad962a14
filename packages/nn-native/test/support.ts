import { it } from "vitest";
import { loadNative } from "../src/index";

/**
 * The loaded addon, or null. Where the addon is not built the native suites are skipped with
 * the reason — except with CI=true, where a missing addon fails (CI installs libopenblas-dev).
 */
export function requireNative() {
  const native = loadNative();
  if (native.backend) return native;
  if (process.env.CI === "true") throw new Error(`CI=true but the native backend is unavailable: ${native.reason}`);
  it.skip(`native backend unavailable (${native.reason})`, () => {});
  return null;
}
