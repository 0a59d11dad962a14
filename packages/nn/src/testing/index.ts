// Test support for backends (imports vitest: use from test files only).
export { describeBackendConformance, expectAllClose, STEP_TOL, TOL } from "./conformance";
