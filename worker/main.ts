// `npm run worker`: the nextdeploy worker process (deploy, rollback and retention workflows, Cloudflare activities).
//
// Environment (docs/cluster.md has the full table):
//   TEMPORAL_ADDRESS (default 127.0.0.1:7233; starting an embedded dev server is the CLI's job),
//   TEMPORAL_NAMESPACE, TEMPORAL_API_KEY[_FILE] / TEMPORAL_TLS_* (see core/temporal-connection.ts)
//   CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_FILE   the token (never logged)
//   CLOUDFLARE_API_BASE_URL, CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_ZONE_ID, NEXTDEPLOY_EDGE_CONNECT_TO
//   NEXTDEPLOY_TASK_QUEUE, NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND, NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND,
//   NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND, NEXTDEPLOY_CLOUDFLARE_CALL_BURST (the per-call budget)
//   NEXTDEPLOY_LOG_LEVEL, NEXTDEPLOY_METRICS_PORT / NEXTDEPLOY_METRICS_BIND (see worker/worker-env.ts)
//   NEXTDEPLOY_WEBHOOK_URL + NEXTDEPLOY_WEBHOOK_SECRET[_FILE]   signed webhook on every final status
//   OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME              tracing (see worker/tracing.ts)
import { NativeConnection } from '@temporalio/worker';
import { temporalTargetFromEnv } from '../core/temporal-connection.ts';
import { CallBudget } from '../activities/call-budget.ts';
import { createCloudflareClient } from '../activities/cloudflare.ts';
import { createNextdeployWorker } from './create-worker.ts';
import { JsonLogger } from './json-logger.ts';
import { installWorkerRuntime } from './runtime.ts';
import { requireApiToken } from './token.ts';
import { tracingFromEnv } from './tracing.ts';
import { workerSettingsFromEnv } from './worker-env.ts';

async function main(): Promise<void> {
  // Configuration first: a bad variable is reported before anything connects.
  const settings = workerSettingsFromEnv();
  const target = temporalTargetFromEnv();
  const token = requireApiToken();
  const logger = new JsonLogger({ level: settings.logLevel, secrets: [token.value, settings.webhook?.secret, target.connection?.apiKey] });
  installWorkerRuntime({ logger, ...(settings.metricsBindAddress ? { metricsBindAddress: settings.metricsBindAddress } : {}) });
  const tracing = tracingFromEnv();

  const connection = await NativeConnection.connect(target.connection ?? { address: '127.0.0.1:7233' });
  const worker = await createNextdeployWorker({
    connection,
    namespace: target.namespace,
    taskQueue: settings.taskQueue,
    activities: {
      cloudflare: createCloudflareClient({
        apiToken: token.value,
        budget: new CallBudget(settings.cloudflareCalls),
        ...(settings.cloudflareBaseUrl ? { baseURL: settings.cloudflareBaseUrl } : {}),
      }),
      ...(settings.accountId ? { accountId: settings.accountId } : {}),
      ...(settings.zoneId ? { zoneId: settings.zoneId } : {}),
      ...(settings.edgeConnectTo ? { edgeConnectTo: settings.edgeConnectTo } : {}),
      ...(settings.webhook ? { webhook: settings.webhook } : {}),
    },
    maxActivitiesPerSecond: settings.maxActivitiesPerSecond,
    maxTaskQueueActivitiesPerSecond: settings.maxTaskQueueActivitiesPerSecond,
    ...(tracing ? { plugins: [tracing.plugin] } : {}),
  });
  logger.info(`nextdeploy worker: ${target.connection ? target.description : 'Temporal at 127.0.0.1:7233'}, task queue ${settings.taskQueue}`, {
    cloudflareApi: settings.cloudflareBaseUrl ?? 'https://api.cloudflare.com/client/v4',
    tokenSource: `token from ${token.source}`,
    maxActivitiesPerSecond: settings.maxActivitiesPerSecond,
    maxTaskQueueActivitiesPerSecond: settings.maxTaskQueueActivitiesPerSecond,
    metrics: settings.metricsBindAddress ? `http://${settings.metricsBindAddress}/metrics` : 'off',
    tracing: tracing ? 'on' : 'off',
    webhook: settings.webhook ? new URL(settings.webhook.url).origin : 'off',
  });
  // SIGTERM/SIGINT: Worker.run installs shutdown on these signals by default (Runtime shutdownSignals):
  // it stops polling, lets running activities finish within the grace time, then resolves.
  await worker.run();
  await tracing?.spanProcessor.shutdown().catch(() => undefined);
  await connection.close();
  logger.info('nextdeploy worker stopped');
}

main().catch((err: unknown) => {
  console.error(`nextdeploy worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
