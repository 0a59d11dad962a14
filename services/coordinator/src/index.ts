export { startCoordinator, type CoordinatorOptions, type RunningCoordinator } from "./coordinator";
export { parseStudyFile, studyFileSchema, type StudyFile } from "./study-file";
export { sampleRandom, trialSeed, type TrialParams } from "./sampler";
export { parseEnv as parseCoordinatorEnv, type CoordinatorEnv } from "./env";
