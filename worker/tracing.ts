import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';

/** The tracing plugin and the span processor behind it (flush it on shutdown). */
export interface WorkerTracing {
  plugin: OpenTelemetryPlugin;
  spanProcessor: SpanProcessor;
}

/**
 * OpenTelemetry tracing through Temporal's interceptors, off unless configured: set
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) to an OTLP/HTTP
 * collector; `OTEL_SERVICE_NAME` names the service (default `nextdeploy-worker`).
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerTracing | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` : undefined);
  if (!endpoint) return undefined;
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }), { scheduledDelayMillis: 1_000 });
  const plugin = new OpenTelemetryPlugin({
    resource: new Resource({ 'service.name': env.OTEL_SERVICE_NAME ?? 'nextdeploy-worker' }),
    spanProcessor,
  });
  return { plugin, spanProcessor };
}
