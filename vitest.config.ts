import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/src/**/*.test.ts", "**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.next/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files each create their own database and stream; running
    // files in parallel on 2 cores is fine, but keep it bounded.
    maxWorkers: 2,
  },
});
