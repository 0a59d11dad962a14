import { collectDefaultMetrics, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * A Prometheus registry of one component (coordinator or worker) with the default process
 * metrics (CPU, memory, event-loop lag, GC). Each component gets its own registry, never the
 * global one, so the embedded stack can run both in one process without name clashes.
 */
export function createMetricsRegistry(component: "coordinator" | "worker"): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry, prefix: "automl_" });
  return registry;
}

/** Buckets for request latencies: 0.5 ms to 10 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
