import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/src/**/*.test.ts", "**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.next/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Integration files each create their own database and stream, so files may run side by
    // side; two at a time matches the 2-core machines this runs on.
    maxWorkers: 2,
    // CI reads the real counts from this file for its summary line.
    reporters: process.env.CI === "true" ? ["default", ["json", { outputFile: ".ci/results.json" }]] : ["default"],
  },
});
