export { startCoordinator, type CoordinatorOptions, type RunningCoordinator } from "./coordinator";
export { parseStudyFile, storedStudyFile, studyFileSchema, type Objective, type StudyFile } from "./study-file";
export { toTrialSpec } from "./scheduler";
export { objectiveValues, paretoTrials, type ScoredTrial } from "./objectives";
export { sampleRandom, trialSeed, type TrialParams } from "./sampler";
export { parseEnv as parseCoordinatorEnv, type CoordinatorEnv } from "./env";
export { refreshImportance } from "./importance";
export { createCredential, listCredentials, revokeCredential, METHOD_ROLES, ISSUED_ROLES, type CredentialRow } from "./credentials";
export { chooseTrial as refitTarget } from "./refits";
