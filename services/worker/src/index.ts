export { startWorker, type WorkerOptions, type RunningWorker } from "./worker";
export { refitTrial, runTrial } from "./trial-runner";
export { parseEnv as parseWorkerEnv, type WorkerEnv } from "./env";
export { ThreadPool } from "./trial-pool";
export { DEFAULT_CHECKPOINT_EVERY, parseCheckpointEvery, sealCheckpoint, type CheckpointPolicy } from "./checkpoints";
