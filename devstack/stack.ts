// The pieces every local stack is made of — the CLI's embedded stack, the integration tests'
// (worker/local-stack.ts), the fault suite's and the bench's (faults/harness.ts): the local
// Cloudflare seeded and with the router deployed, and a Temporal dev server with a client.
// Each caller adds only what it alone needs (stack file, temp dir, edge proxy, worker kind).
import { Client, Connection } from '@temporalio/client';
import { startLocalCloudflare, type LocalCloudflare, type LocalCloudflareOptions } from '../cf-local/index.ts';
import { deployRouter, KV_NAMESPACE_TITLE, provisioningClient } from '../router-worker/provision.ts';
import { startTemporalDevServer, type DevServerOptions, type RunningDevServer } from './temporal-dev-server.ts';

/** Options of {@link startCloudflareWithRouter}. */
export interface CloudflareStackOptions extends Pick<LocalCloudflareOptions, 'stateDir' | 'token' | 'tokens' | 'timing' | 'rateLimit'> {
  /** Pages projects to seed (production branch `main`). */
  projects?: string[];
  /** A fixed id for the routes namespace (default: the emulator picks one). */
  kvNamespaceId?: string;
  /** The router's admin bearer token; `false` = do not deploy the router. */
  router: { adminToken: string; isolateCacheMs?: number } | false;
}

/** The local Cloudflare, seeded, with the router on `*.<appsDomain>/*`. */
export interface CloudflareStack {
  cf: LocalCloudflare;
  kvNamespaceId: string;
  /** `apps.<zone>`: where the router answers. */
  appsDomain: string;
  /** `host:port` of the local edge, for checks and for `curl --connect-to`. */
  edgeHost: string;
}

/** Starts the local Cloudflare with the routes namespace and projects seeded and the router deployed. */
export async function startCloudflareWithRouter(options: CloudflareStackOptions): Promise<CloudflareStack> {
  const { projects = [], kvNamespaceId, router, ...cfOptions } = options;
  const cf = await startLocalCloudflare({
    ...cfOptions,
    seed: {
      projects: projects.map((name) => ({ name, production_branch: 'main' })),
      kvNamespaces: [{ title: KV_NAMESPACE_TITLE, ...(kvNamespaceId ? { id: kvNamespaceId } : {}) }],
    },
  });
  try {
    const namespaceId = cf.state().kvNamespaces.find((n) => n.title === KV_NAMESPACE_TITLE)!.id;
    const appsDomain = `apps.${cf.zone.name}`;
    if (router) {
      // The product's own router deploy, so every local stack runs what `init` provisions.
      await deployRouter(provisioningClient(cf.token, cf.apiBaseUrl), {
        accountId: cf.accountId,
        zoneId: cf.zone.id,
        kvNamespaceId: namespaceId,
        appsDomain,
        adminToken: router.adminToken,
        ...(router.isolateCacheMs === undefined ? {} : { isolateCacheMs: router.isolateCacheMs }),
      });
    }
    return { cf, kvNamespaceId: namespaceId, appsDomain, edgeHost: new URL(cf.edgeUrl).host };
  } catch (err) {
    await cf.stop();
    throw err;
  }
}

/** A Temporal dev server and a client of it. */
export interface TemporalStack {
  server: RunningDevServer;
  client: Client;
  stop(): Promise<void>;
}

/** Starts a dev server (one retry: the free port it picked can be taken before it binds) and connects a client. */
export async function startTemporal(options: DevServerOptions): Promise<TemporalStack> {
  const start = () => startTemporalDevServer(options);
  const server = await start().catch(() => start());
  try {
    const connection = await Connection.connect({ address: server.address });
    return {
      server,
      client: new Client({ connection, namespace: server.namespace }),
      async stop() {
        await connection.close().catch(() => undefined);
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
