// A whole deploy stack on this machine: the local Cloudflare (with the router Worker on
// `*.apps.nextdeploy.test`), a Temporal dev server and a nextdeploy worker. Used by the
// integration tests and scripts/record-histories.ts; the CLI's embedded mode can use it too.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { LocalCloudflare, LocalCloudflareOptions } from '../cf-local/index.ts';
import { startStack } from '../devstack/stack.ts';
import type { RunningDevServer } from '../devstack/temporal-dev-server.ts';
import { createCloudflareClient } from '../activities/cloudflare.ts';
import { createNextdeployWorker } from './create-worker.ts';

/** Where the router answers: `<app>.apps.nextdeploy.test`. */
export const LOCAL_APPS_DOMAIN = 'apps.nextdeploy.test';
/** The routes namespace the local stack seeds (the router's `ROUTES` binding). */
export const LOCAL_ROUTES_NAMESPACE_ID = '0123456789abcdef0123456789abcdef';

/** A running local deploy stack; {@link LocalDeployStack.stop} stops all of it. */
export interface LocalDeployStack {
  cf: LocalCloudflare;
  temporal: RunningDevServer;
  client: Client;
  /** Undefined when started with `worker: false` (a worker process of the test's own polls instead). */
  worker: Worker | undefined;
  taskQueue: string;
  kvNamespaceId: string;
  /** `host:port` of the local edge, for checks and for `curl --connect-to`. */
  edgeHost: string;
  stop(): Promise<void>;
}

/** Options of {@link startLocalDeployStack}. */
export interface LocalDeployStackOptions {
  /** Pages projects to create. */
  projects?: string[];
  taskQueue?: string;
  /** Deploy the router Worker (default true). */
  router?: boolean;
  cloudflare?: Pick<LocalCloudflareOptions, 'timing' | 'stateDir'>;
  /** Run an in-process worker (default true); false for tests that run `worker/main.ts` as a process. */
  worker?: boolean;
}

/** Starts the local Cloudflare with the router, a Temporal dev server and (by default) an in-process worker. */
export async function startLocalDeployStack(options: LocalDeployStackOptions = {}): Promise<LocalDeployStack> {
  const taskQueue = options.taskQueue ?? 'nextdeploy';
  const stack = await startStack(
    {
      cloudflare: {
        projects: options.projects ?? ['demo'],
        kvNamespaceId: LOCAL_ROUTES_NAMESPACE_ID,
        // Fresh reads: a flip shows at the next request (real KV takes up to 60 s).
        router: options.router === false ? false : { adminToken: randomBytes(24).toString('base64url'), isolateCacheMs: 0 },
        ...(options.cloudflare ?? {}),
      },
      temporal: { dbFilename: false, log: () => {} },
    },
    async ({ cloudflare, temporal, onStop }) => {
      const { cf, edgeHost } = cloudflare!;
      if (options.worker === false) return { worker: undefined };
      const connection = await NativeConnection.connect({ address: temporal!.server.address });
      onStop(() => connection.close());
      const worker = await createNextdeployWorker({
        connection,
        namespace: temporal!.server.namespace,
        taskQueue,
        activities: {
          cloudflare: createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl, timeoutMs: 5_000 }),
          accountId: cf.accountId,
          zoneId: cf.zone.id,
          edgeConnectTo: edgeHost,
        },
        // The local API has the real rate limit's budget to itself; tests need no throttle.
        maxActivitiesPerSecond: 100,
        maxTaskQueueActivitiesPerSecond: 100,
      });
      const running = worker.run();
      onStop(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      });
      return { worker };
    },
  );
  const { cf, edgeHost } = stack.cloudflare!;
  const { server: temporal, client } = stack.temporal!;
  return { cf, temporal, client, worker: stack.worker, taskQueue, kvNamespaceId: LOCAL_ROUTES_NAMESPACE_ID, edgeHost, stop: stack.stop };
}
