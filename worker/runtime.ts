import { makeTelemetryFilterString, Runtime, type Logger } from '@temporalio/worker';

/** Process-wide Temporal runtime settings for a worker process. */
export interface WorkerRuntimeOptions {
  logger: Logger;
  /** `host:port` for the Prometheus exporter (`/metrics`): Temporal's own metrics plus nextdeploy's. Off when unset. */
  metricsBindAddress?: string;
}

/**
 * Installs the Temporal runtime once per process: the JSON logger for SDK and core messages and,
 * when asked, the Prometheus exporter. Must run before the first connection or worker is made.
 */
export function installWorkerRuntime(options: WorkerRuntimeOptions): void {
  Runtime.install({
    logger: options.logger,
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(options.metricsBindAddress
        ? { metrics: { prometheus: { bindAddress: options.metricsBindAddress, countersTotalSuffix: true } } }
        : {}),
    },
  });
}
