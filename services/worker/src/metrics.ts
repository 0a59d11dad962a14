import { InterceptingCall, status as GrpcStatus, type Interceptor } from "@grpc/grpc-js";
import { Counter, createMetricsRegistry, Gauge, Histogram, LATENCY_BUCKETS, type Registry } from "@automl/common";

/**
 * A worker's Prometheus metrics:
 * - `automl_worker_trials_total{pool,status}`: outcomes this worker reported and the coordinator recorded;
 * - `automl_worker_trials_running{pool}`: trials training now;
 * - `automl_worker_epochs_total{pool}` and `automl_worker_training_samples_total{pool}`: training
 *   throughput (rate() of the samples counter is samples/s);
 * - `automl_grpc_client_seconds{method,code}`: latency of reports to the coordinator as the worker sees it;
 * plus the default process metrics.
 */
export class WorkerMetrics {
  readonly registry: Registry;
  private readonly trials: Counter<"pool" | "status">;
  private readonly running: Gauge<"pool">;
  private readonly epochs: Counter<"pool">;
  private readonly samples: Counter<"pool">;
  private readonly calls: Histogram<"method" | "code">;

  constructor(private readonly pool: string) {
    this.registry = createMetricsRegistry("worker");
    const registers = [this.registry];
    this.trials = new Counter({ name: "automl_worker_trials_total", help: "Trial outcomes reported by this worker and recorded, by status.", labelNames: ["pool", "status"], registers });
    this.running = new Gauge({ name: "automl_worker_trials_running", help: "Trials this worker is training now.", labelNames: ["pool"], registers });
    this.epochs = new Counter({ name: "automl_worker_epochs_total", help: "Training epochs finished (one per fold and epoch).", labelNames: ["pool"], registers });
    this.samples = new Counter({ name: "automl_worker_training_samples_total", help: "Training samples processed (rows of the fold's training part, per epoch).", labelNames: ["pool"], registers });
    this.calls = new Histogram({
      name: "automl_grpc_client_seconds",
      help: "Time a call to the coordinator took, by method and status code.",
      labelNames: ["method", "code"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.running.set({ pool }, 0);
  }

  trialStarted(): void {
    this.running.inc({ pool: this.pool });
  }

  trialEnded(): void {
    this.running.dec({ pool: this.pool });
  }

  epoch(samples: number): void {
    this.epochs.inc({ pool: this.pool });
    this.samples.inc({ pool: this.pool }, samples);
  }

  /** `status` as the coordinator names it: COMPLETED, PRUNED, DIVERGED, CANCELLED, FAILED. */
  outcome(status: string): void {
    this.trials.inc({ pool: this.pool, status });
  }

  /** A grpc-js client interceptor timing every call from its start to its status. */
  readonly clientInterceptor: Interceptor = (options, nextCall) => {
    const method = options.method_definition.path.slice(options.method_definition.path.lastIndexOf("/") + 1);
    const end = this.calls.startTimer({ method });
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        // Only the status hook: grpc-js fills in pass-through handlers for the rest.
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            end({ code: GrpcStatus[status.code] ?? "UNKNOWN" });
            nextStatus(status);
          },
        });
      },
    });
  };
}
