// The dependency-free part of @automl/common (`@automl/common/core`): what the engine, the data
// sets and the models use. Training threads import only this, so they do not load grpc-js, pino,
// prom-client or zod, which the services' part of the package (index.ts) brings.
export * from "./rng";
export * from "./errors";
export * from "./limits";
export * from "./surface-codec";
