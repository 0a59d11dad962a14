// Entry of a training thread. The workspace ships TypeScript, so the thread registers tsx's
// loader itself (worker_threads do not inherit the main thread's module hooks) and then loads
// the real entry. Messages posted meanwhile wait in the port until it listens.
import { register } from "tsx/esm/api";

register();
await import("./trial-thread-main.ts");
