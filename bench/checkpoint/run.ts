// npm run bench:checkpoint — what checkpoints cost a training worker: the Fashion-MNIST example's
// kind of trial (10,000-image subset, 3 folds, one hidden layer of 128 ReLUs, momentum 0.9,
// batch 64) trained by the worker's own code (runTrial) with a checkpoint after every epoch,
// sealed and stored in the JetStream Object Store as a worker does (local NATS), against the same
// trial without checkpoints. Runs alternate (off, on, off, on …) so that load drifts hit both.
// Prints one JSON document: seconds per run, per-epoch overhead in ms and %, checkpoint bytes.
import { loadavg } from "node:os";
import { JetStreamCheckpointStore } from "@automl/messaging";
import { TEST_NATS_URL } from "@automl/messaging/testing";
import { TrialSpec } from "@automl/proto";
import { runTrial, sealCheckpoint, type CheckpointPolicy } from "@automl/worker";

const REPS = Number(process.env.BENCH_REPS ?? 2);
const EPOCHS = 6;
const FOLDS = 3;
const spec = TrialSpec.fromPartial({
  trialId: "bench-checkpoint",
  studyId: "bench",
  task: "multiclass",
  dataset: { builtin: "fashion-mnist", n: 10_000 },
  widths: [128],
  activation: "relu",
  trainingJson: JSON.stringify({ momentum: 0.9 }),
  learningRate: 0.01,
  batchSize: 64,
  epochs: EPOCHS,
  folds: FOLDS,
  stratified: true,
  metric: "accuracy",
  seed: 1,
  trialSeed: 7,
  batchReports: true,
});

const store = await JetStreamCheckpointStore.connect({ url: process.env.AUTOML_NATS_URL ?? TEST_NATS_URL });
const everyEpoch: CheckpointPolicy = { everyEpochs: 1, everyMs: 0 };

async function once(withCheckpoints: boolean): Promise<{ seconds: number; checkpoints: number; bytes: number }> {
  let chain = Promise.resolve();
  let checkpoints = 0;
  let bytes = 0;
  const t0 = performance.now();
  await runTrial(spec, async () => "continue", {
    checkpoint: withCheckpoints
      ? {
          policy: everyEpoch,
          save: (payload) => {
            const sealed = sealCheckpoint(spec, payload);
            checkpoints++;
            bytes = sealed.length;
            chain = chain.then(() => store.put(spec.trialId, sealed));
          },
        }
      : undefined,
  });
  await chain;
  return { seconds: (performance.now() - t0) / 1000, checkpoints, bytes };
}

await once(false); // warm-up: dataset load and JIT
const off: number[] = [];
const on: number[] = [];
let last = { checkpoints: 0, bytes: 0 };
const load = loadavg()[0];
for (let r = 0; r < REPS; r++) {
  off.push((await once(false)).seconds);
  const withCk = await once(true);
  on.push(withCk.seconds);
  last = withCk;
}
await store.delete(spec.trialId);
await store.close();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const epochs = EPOCHS * FOLDS;
const overheadMsPerEpoch = ((mean(on) - mean(off)) / epochs) * 1000;
console.log(
  JSON.stringify(
    {
      bench: "checkpoint",
      date: new Date().toISOString(),
      loadAverageAtStart: load,
      trial: { dataset: "fashion-mnist n=10000", folds: FOLDS, epochs: EPOCHS, hidden: [128], batchSize: 64, momentum: 0.9 },
      reps: REPS,
      secondsWithout: off,
      secondsWithEveryEpoch: on,
      msPerEpochWithout: (mean(off) / epochs) * 1000,
      overheadMsPerEpoch,
      overheadPercent: (100 * (mean(on) - mean(off))) / mean(off),
      checkpointsPerRun: last.checkpoints,
      checkpointBytes: last.bytes,
    },
    null,
    2,
  ),
);
