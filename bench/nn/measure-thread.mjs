// Entry of a measuring thread (see measure-thread-main.ts). worker_threads do not inherit the
// main thread's module hooks, so the thread registers tsx's loader itself.
import { register } from "tsx/esm/api";

register();
await import("./measure-thread-main.ts");
