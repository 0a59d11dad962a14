// Prints {"gflops": …}: OpenBLAS's sgemm peak through our addon on one thread (run with
// OPENBLAS_NUM_THREADS=1; see ceiling.ts). One training slot's yardstick.
import { loadNative } from "@automl/nn-native";
import { measureSgemmPeak } from "../nn/sgemm";

const native = loadNative();
if (!native.addon) throw new Error(`the native addon is needed for the sgemm peak: ${native.reason}`);
const threads = native.addon.blasThreads().current;
if (threads !== 1) throw new Error(`expected one BLAS thread (OPENBLAS_NUM_THREADS=1), got ${threads}`);
const peak = await measureSgemmPeak(native.addon, null, false);
process.stdout.write(`${JSON.stringify({ gflops: peak.gflops, n: peak.n })}\n`);
