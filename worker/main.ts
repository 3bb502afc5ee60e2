// `npm run worker`: the nextdeploy worker process (deploy + rollback workflows, Cloudflare activities).
//
// Environment:
//   TEMPORAL_ADDRESS (default 127.0.0.1:7233; starting an embedded dev server is the CLI's job),
//   TEMPORAL_NAMESPACE, TEMPORAL_API_KEY[_FILE] / TEMPORAL_TLS_* (see core/temporal-connection.ts)
//   CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_FILE   the token (never logged)
//   CLOUDFLARE_API_BASE_URL        default the real API; the local emulator's /client/v4 URL
//   CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_ZONE_ID   optional: refuse deploys naming other ones
//   NEXTDEPLOY_EDGE_CONNECT_TO     host:port the checks connect to (the local edge)
//   NEXTDEPLOY_TASK_QUEUE          default "nextdeploy"
//   NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND, NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND
import { z } from 'zod';
import { NativeConnection } from '@temporalio/worker';
import { temporalTargetFromEnv } from '../core/temporal-connection.ts';
import { TASK_QUEUE } from '../core/workflow-contracts.ts';
import { createCloudflareClient } from '../activities/cloudflare.ts';
import { createNextdeployWorker, DEFAULT_RATE_LIMITS } from './create-worker.ts';
import { requireApiToken } from './token.ts';

const envSchema = z.object({
  CLOUDFLARE_API_BASE_URL: z.url({ error: 'CLOUDFLARE_API_BASE_URL must be a URL, e.g. http://127.0.0.1:8787/client/v4' }).optional(),
  CLOUDFLARE_ACCOUNT_ID: z.string().regex(/^[0-9a-f]{32}$/, { error: 'CLOUDFLARE_ACCOUNT_ID must be 32 hex digits' }).optional(),
  CLOUDFLARE_ZONE_ID: z.string().regex(/^[0-9a-f]{32}$/, { error: 'CLOUDFLARE_ZONE_ID must be 32 hex digits' }).optional(),
  NEXTDEPLOY_EDGE_CONNECT_TO: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { error: 'NEXTDEPLOY_EDGE_CONNECT_TO must be host:port' }).optional(),
  NEXTDEPLOY_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: z.coerce.number().positive().default(DEFAULT_RATE_LIMITS.maxActivitiesPerSecond),
  NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: z.coerce.number().positive().default(DEFAULT_RATE_LIMITS.maxTaskQueueActivitiesPerSecond),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')));
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  const env = parsed.data;
  const target = temporalTargetFromEnv();
  const token = requireApiToken();
  const connection = await NativeConnection.connect(target.connection ?? { address: '127.0.0.1:7233' });
  const worker = await createNextdeployWorker({
    connection,
    namespace: target.namespace,
    taskQueue: env.NEXTDEPLOY_TASK_QUEUE,
    activities: {
      cloudflare: createCloudflareClient({ apiToken: token.value, ...(env.CLOUDFLARE_API_BASE_URL ? { baseURL: env.CLOUDFLARE_API_BASE_URL } : {}) }),
      ...(env.CLOUDFLARE_ACCOUNT_ID ? { accountId: env.CLOUDFLARE_ACCOUNT_ID } : {}),
      ...(env.CLOUDFLARE_ZONE_ID ? { zoneId: env.CLOUDFLARE_ZONE_ID } : {}),
      ...(env.NEXTDEPLOY_EDGE_CONNECT_TO ? { edgeConnectTo: env.NEXTDEPLOY_EDGE_CONNECT_TO } : {}),
    },
    maxActivitiesPerSecond: env.NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND,
    maxTaskQueueActivitiesPerSecond: env.NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND,
  });
  console.log(
    `nextdeploy worker: ${target.connection ? target.description : 'Temporal at 127.0.0.1:7233'}, task queue ${env.NEXTDEPLOY_TASK_QUEUE}, ` +
      `Cloudflare API ${env.CLOUDFLARE_API_BASE_URL ?? 'https://api.cloudflare.com/client/v4'} (token from ${token.source})`,
  );
  // SIGTERM/SIGINT: Worker.run installs shutdown on these signals by default (Runtime shutdownSignals):
  // it stops polling, lets running activities finish within the grace time, then resolves.
  await worker.run();
  await connection.close();
  console.log('nextdeploy worker stopped');
}

main().catch((err: unknown) => {
  console.error(`nextdeploy worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
