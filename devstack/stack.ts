// The one starter of every local stack — the CLI's embedded stack (devstack/embedded-stack.ts),
// the integration tests' (worker/local-stack.ts), the fault suite's and the bench's
// (faults/harness.ts): the local Cloudflare seeded and with the router deployed, a Temporal dev
// server with a client, and whatever the caller adds (stack file, edge proxy, a worker of its
// kind), all stopped newest first by one stop(), also when starting fails halfway.
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

/** Options of {@link startStack}. */
export interface StackOptions {
  /** The local Cloudflare with the router; `false` when the worker talks to the real API. */
  cloudflare: CloudflareStackOptions | false;
  /** The Temporal dev server; `false` for a stack that only needs Cloudflare. */
  temporal: DevServerOptions | false;
}

/** What {@link startStack} started, handed to the caller's `extend` step. */
export interface StackParts {
  cloudflare: CloudflareStack | undefined;
  temporal: TemporalStack | undefined;
  /** Registers how to stop something the caller started; stops run newest first. */
  onStop(stop: () => Promise<unknown>): void;
}

/** A running stack: its parts, what the caller added, and one stop for all of it. */
export type Stack<Extra> = StackParts & Extra & { stop(): Promise<void> };

/**
 * Starts the local Cloudflare (unless `cloudflare: false`), then Temporal (unless `false`), then
 * the caller's `extend` (a worker, an edge proxy, the stack file). Whatever fails, everything
 * already started is stopped before the error is rethrown; a failing stop does not keep the
 * others from stopping (`onStopError` hears of it).
 */
export async function startStack<Extra extends object = object>(
  options: StackOptions,
  extend: (parts: StackParts) => Promise<Extra> = async () => ({}) as Extra,
  onStopError: (err: Error) => void = () => undefined,
): Promise<Stack<Extra>> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        onStopError(err as Error);
      }
    }
    stops.length = 0;
  };
  const onStop = (s: () => Promise<unknown>) => void stops.push(s);
  try {
    const cloudflare = options.cloudflare ? await startCloudflareWithRouter(options.cloudflare) : undefined;
    if (cloudflare) onStop(() => cloudflare.cf.stop());
    const temporal = options.temporal ? await startTemporal(options.temporal) : undefined;
    if (temporal) onStop(() => temporal.stop());
    const parts: StackParts = { cloudflare, temporal, onStop };
    const extra = await extend(parts);
    return { ...parts, ...extra, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
