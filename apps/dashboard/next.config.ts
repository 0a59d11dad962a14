import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

// The npm workspace root: Next must trace files (and Turbopack resolve hoisted deps) from there.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const config: NextConfig = {
  // @automl/db, /proto, /common, /search, /model and /nn export raw TypeScript, so Next has to compile it.
  transpilePackages: ["@automl/db", "@automl/proto", "@automl/common", "@automl/search", "@automl/model", "@automl/nn"],
  // Driver code and Prisma's runtime (with its Wasm query compiler) load from node_modules at
  // run time rather than being bundled; the PGlite pieces come along through @automl/db/client.
  serverExternalPackages: ["@grpc/grpc-js", "pino", "pg", "@prisma/client", "@prisma/adapter-pg", "pglite-prisma-adapter", "@electric-sql/pglite"],
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  poweredByHeader: false,
};

export default config;
