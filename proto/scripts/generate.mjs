// Generates TypeScript from automl/v1/*.proto with ts-proto (grpc-js services) into src/gen.
// Run by `npm run generate` (turbo runs it before build and test); the output is not checked in.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const protoc = require.resolve("protoc/protoc.cjs");
const plugin = join(dirname(require.resolve("ts-proto/package.json")), "protoc-gen-ts_proto");
const out = join(root, "src", "gen");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const protos = readdirSync(join(root, "automl", "v1")).filter((f) => f.endsWith(".proto")).map((f) => `automl/v1/${f}`);
execFileSync(process.execPath, [
  protoc,
  `--plugin=protoc-gen-ts_proto=${plugin}`,
  `--ts_proto_out=${out}`,
  "--ts_proto_opt=outputServices=grpc-js,esModuleInterop=true,env=node,useOptionals=messages,oneof=unions-value,forceLong=number,outputPartialMethods=true",
  `-I${root}`,
  ...protos,
], { stdio: "inherit", cwd: root });
