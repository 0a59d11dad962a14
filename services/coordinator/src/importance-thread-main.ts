import { parentPort, workerData } from "node:worker_threads";
import { parameterImportance, type ImportanceObservation } from "@automl/search";

const { observations, seed } = workerData as { observations: ImportanceObservation[]; seed: number };
parentPort!.postMessage(parameterImportance(observations, { seed }));
