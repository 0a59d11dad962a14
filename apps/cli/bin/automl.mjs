#!/usr/bin/env node
// The `automl` command. The workspace packages export TypeScript sources, which tsx compiles
// on the fly, so there is no separate build step between editing a service and running it.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
