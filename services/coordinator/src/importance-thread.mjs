// Entry of the thread that fits a study's importance forest (importance.ts). The workspace ships
// TypeScript, so the thread registers tsx's loader itself (worker_threads do not inherit the main
// thread's module hooks) and then loads the real entry.
import { register } from "tsx/esm/api";

register();
await import("./importance-thread-main.ts");
