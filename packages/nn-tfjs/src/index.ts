export { loadTfjsBackend, tfjsBackend, tfjsUnsupported, type TfjsBackendLoad, type TfjsEngine } from "./backend";
export { tfjsKernels } from "./kernels";
export { TfjsSession } from "./session";
