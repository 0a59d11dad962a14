export * from "./rng";
export * from "./errors";
export * from "./logger";
export * from "./env";
export * from "./grpc";
export * from "./health";
export * from "./secrets";
export * from "./grpc-security";
