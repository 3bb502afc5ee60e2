import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { bundleWorker } from '../../devstack/bundle-worker.ts';
import { Miniflare, convertV4MiniflareOptions, type Response as MfResponse } from 'miniflare';
import { buildActiveRecord, kvKeys, type VersionEntry } from '../../core/kv-records.ts';
import type { Metadata } from '../../core/metadata.ts';
import { PROJECT_ROOT } from '../../devstack/paths.ts';

export const ROUTER_DIR = path.join(PROJECT_ROOT, 'router-worker');
export const COMPATIBILITY_DATE = '2026-11-01';
export const APPS_DOMAIN = 'apps.nextdeploy.test';
/** The header the upstream shim uses to tell the local server which URL the router fetched. */
const ORIGINAL_URL = 'x-test-original-url';

export { bundleWorker };

/** What the local upstream received for one request. */
export interface ReceivedRequest {
  method: string;
  /** The URL the router fetched, e.g. `https://blog.shop.pages.dev/blog/x?q=1`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Answers one upstream request; the default echoes what it received as JSON. */
export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, received: ReceivedRequest) => void;

export interface Upstream {
  port: number;
  received: ReceivedRequest[];
  /** Replaces the handler (per test); null restores the echo. */
  handle(handler: UpstreamHandler | null): void;
  /** A handler that gets the request before its body is read (`received.body` is empty). */
  handleRaw(handler: UpstreamHandler): void;
  close(): Promise<void>;
}

const echo: UpstreamHandler = (_req, res, received) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(received));
};

/** A real HTTP server on 127.0.0.1 standing in for every Pages deployment. */
export async function startUpstream(): Promise<Upstream> {
  const received: ReceivedRequest[] = [];
  let handler: UpstreamHandler | null = null;
  let rawHandler: UpstreamHandler | null = null;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const record = (): ReceivedRequest => {
      const headers = { ...req.headers };
      const url = String(headers[ORIGINAL_URL] ?? '');
      delete headers[ORIGINAL_URL];
      const r = { method: req.method ?? '', url, headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      return r;
    };
    if (rawHandler !== null) {
      // Streaming tests read the request body themselves, as it arrives.
      rawHandler(req, res, record());
      return;
    }
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => (handler ?? echo)(req, res, record()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('upstream has no port');
  return {
    port: address.port,
    received,
    handle: (h) => {
      handler = h;
      rawHandler = null;
    },
    handleRaw: (h) => {
      rawHandler = h;
      handler = null;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * A Worker standing in for the internet: every subrequest the router makes (to
 * `https://*.pages.dev/...`) is sent over real HTTP to the local upstream, with the URL the
 * router asked for in a header so the upstream can record it. Body and response stream through.
 */
export function upstreamShim(port: number): string {
  return `export default {
    async fetch(request) {
      const original = request.url;
      const url = new URL(original);
      url.protocol = 'http:';
      url.host = '127.0.0.1:${port}';
      const headers = new Headers(request.headers);
      headers.set('${ORIGINAL_URL}', original);
      return fetch(url, { method: request.method, headers, body: request.body, redirect: 'manual' });
    },
  };`;
}

/** The ROUTES namespace as Node sees it through Miniflare. */
export type Kv = Awaited<ReturnType<Miniflare['getKVNamespace']>>;

export interface RouterOptions {
  upstreamPort: number;
  /** `null` leaves ADMIN_TOKEN unset. */
  adminToken?: string | null;
  vars?: Partial<Record<'APPS_DOMAIN' | 'CACHE_TTL_SECONDS' | 'ISOLATE_CACHE_MS' | 'ALLOWED_TARGET_HOSTS', string>>;
  /** Which entry to run: the real one, or the one that counts KV reads (default). */
  entry?: 'index' | 'counting';
  /** An already built Worker module (e.g. wrangler's dry-run output) instead of `entry`. */
  script?: string;
}

export interface RunningRouter {
  mf: Miniflare;
  /** Real HTTP base URL of the Miniflare entry (requests pick the app with a Host header). */
  url: URL;
  /** A request to the router as `https://<host><path>`. */
  fetch(host: string, path: string, init?: RequestInit): Promise<MfResponse>;
  kv: Kv;
  /** KV reads since the last reset, and which keys. */
  kvReads(reset?: boolean): Promise<{ reads: number; keys: string[]; lastOptions: unknown }>;
  dispose(): Promise<void>;
}

/** Runs the router in workerd (Miniflare) with an in-memory ROUTES namespace. */
export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const entry = options.entry === 'index' ? path.join(ROUTER_DIR, 'src/index.ts') : path.join(ROUTER_DIR, 'test/counting-entry.ts');
  const script = options.script ?? (await bundleWorker(entry));
  const bindings: Record<string, string> = {
    APPS_DOMAIN: APPS_DOMAIN,
    CACHE_TTL_SECONDS: '60',
    ISOLATE_CACHE_MS: '0',
    ALLOWED_TARGET_HOSTS: '*.pages.dev',
    ...options.vars,
  };
  if (options.adminToken !== null) bindings.ADMIN_TOKEN = options.adminToken ?? '';
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          name: 'router',
          modules: true,
          script,
          compatibilityDate: COMPATIBILITY_DATE,
          kvNamespaces: { ROUTES: 'routes' },
          bindings,
          outboundService: 'upstream-shim',
        },
        { name: 'upstream-shim', modules: true, script: upstreamShim(options.upstreamPort), compatibilityDate: COMPATIBILITY_DATE },
      ],
    }),
  );
  const url = await mf.ready;
  const kv = await mf.getKVNamespace('ROUTES', 'router');
  return {
    mf,
    url,
    kv,
    fetch: (host, p, init) =>
      mf.dispatchFetch(`https://${host}${p}`, init as never),
    kvReads: async (reset = true) => {
      const r = await mf.dispatchFetch(`https://reads.test/__test/kv-reads${reset ? '?reset=1' : ''}`);
      return (await r.json()) as { reads: number; keys: string[]; lastOptions: unknown };
    },
    dispose: () => mf.dispose(),
  };
}

/** Writes an app's keys as the deploy workflow does, optionally making the version live. */
export async function seedVersion(
  kv: Kv,
  metadata: Metadata,
  options: { state?: VersionEntry['state']; live?: boolean; allowedHosts?: string[]; previousVersion?: string | null } = {},
): Promise<void> {
  const { app, version } = metadata;
  await kv.put(kvKeys.routes(app, version), JSON.stringify(metadata));
  await kv.put(kvKeys.defaultTarget(app, version), metadata.defaultTarget);
  const existing = (await kv.get(kvKeys.versions(app), 'json')) as VersionEntry[] | null;
  const now = new Date().toISOString();
  const state = options.state ?? (options.live ? 'live' : 'pending');
  const list = (existing ?? []).filter((e) => e.version !== version).map((e) => (options.live && e.state === 'live' ? { ...e, state: 'retired' as const } : e));
  list.push({ version, state, createdAt: now, updatedAt: now });
  await kv.put(kvKeys.versions(app), JSON.stringify(list));
  if (options.live) {
    const record = buildActiveRecord({
      metadata,
      allowedHosts: options.allowedHosts ?? ['*.shop.pages.dev', 'shop.pages.dev'],
      previousVersion: options.previousVersion ?? null,
      activatedAt: now,
      activatedBy: 'workflow:deploy-test',
    });
    await kv.put(kvKeys.active(app), JSON.stringify(record));
  }
}

/** A KV value parsed as JSON (null when the key is absent). */
export async function readJson(kv: Kv, key: string): Promise<unknown> {
  const text = (await kv.get(key, 'text')) as string | null;
  return text === null ? null : (JSON.parse(text) as unknown);
}
