/**
 * The local Cloudflare: a stateful emulator of the Cloudflare API subset nextdeploy uses
 * (`/client/v4`, reached through the official SDK's `baseURL` or wrangler's
 * `CLOUDFLARE_API_BASE_URL`) and of the edge that serves what it deploys.
 *
 *   const cf = await startLocalCloudflare();
 *   const client = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl });
 *   …
 *   await cf.stop();
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ApiServer } from './api-server.ts';
import { API_PREFIX, CONTROL_PREFIX, DEFAULT_RATE_LIMIT, LOCAL_ACCOUNT_ID, LOCAL_ZONE_ID, LOCAL_ZONE_NAME } from './constants.ts';
import { controlHandler } from './control.ts';
import type { EdgeResponse, LocalCloudflare, LocalCloudflareOptions } from './local-cloudflare.ts';
import { DEFAULT_TIMING, AccountModel } from './account-model.ts';
import { Edge } from './edge.ts';
import { versionUnits } from './workers/versions.ts';
import { versionAssetsFetch } from './workers/workers-dev.ts';
import { insertKvNamespace, kvTitleTaken } from './kv/namespaces.ts';
import { createProject, findProject } from './pages/projects.ts';
import { findZoneByName } from './zones/model.ts';
import { deployLocalWorker } from './workers/deploy-local.ts';
import { hexId } from './http.ts';
import { loadOpenApi } from './openapi-hook.ts';
import type { StateData } from './state.ts';
import { CertificateAuthority } from './certificate-authority.ts';

/** How long an idle client connection stays open (keep-alive), as a real API front end would. */
export const KEEP_ALIVE_MS = 60_000;

export * from './constants.ts';
export type { FaultSpec, FaultRule, MutationEntry, RateLimitConfig, RequestEntry } from './observe.ts';
export type { TokenConfig, Timing, BuildFailureScenario, DomainScenario } from './account-model.ts';
export type { StateData } from './state.ts';
export type { WorkerDeployment } from './workers/deploy-local.ts';

export type { EdgeResponse, LocalCloudflare, LocalCloudflareOptions } from './local-cloudflare.ts';

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function readPersistedToken(stateDir: string | undefined): string | undefined {
  if (!stateDir) return undefined;
  try {
    return (JSON.parse(fs.readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as StateData).defaultTokenValue;
  } catch {
    return undefined;
  }
}

export async function startLocalCloudflare(options: LocalCloudflareOptions = {}): Promise<LocalCloudflare> {
  const stateDir = options.stateDir ? path.resolve(options.stateDir) : undefined;
  if (stateDir) fs.mkdirSync(stateDir, { recursive: true });
  const defaultToken = options.token ?? process.env.CF_LOCAL_TOKEN ?? readPersistedToken(stateDir) ?? `cfl_${randomBytes(30).toString('base64url')}`;
  const openapi = await loadOpenApi(options.openapi);

  let edge: Edge | undefined;
  const account = new AccountModel({
    ...(stateDir ? { stateDir } : {}),
    defaultToken,
    tokens: options.tokens ?? [],
    timing: { ...DEFAULT_TIMING, ...options.timing },
    rateLimit: options.rateLimit ?? { ...DEFAULT_RATE_LIMIT },
    outbound: (req) => edge!.outbound(req),
    pagesAssets: (id, req) => edge!.assets(id, req),
    workerAssets: (id, req) => versionAssetsFetch(account, id, req),
    schemaPermissionGroups: openapi?.permissionGroupNames?.() ?? [],
  });
  account.runtimeSources.push(() => versionUnits(account));
  edge = new Edge(account);
  const certificateAuthority = new CertificateAuthority(account, (req) => edge!.handle(req));
  account.certificateAuthority = certificateAuthority;
  account.rememberDefaultToken(defaultToken);

  const applySeed = async () => {
    const seed = options.seed ?? {};
    for (const z of seed.zones ?? []) if (!findZoneByName(account.store, z.name)) account.addZone(z.name, z.status ?? 'active', z.id ?? hexId());
    for (const ns of seed.kvNamespaces ?? []) {
      if (!kvTitleTaken(account, ns.title)) insertKvNamespace(account, { id: ns.id ?? hexId(), title: ns.title, supports_url_encoding: true });
    }
    for (const p of seed.projects ?? []) {
      if (!findProject(account, p.name)) {
        createProject(account, {
          name: p.name,
          production_branch: p.production_branch ?? 'main',
          ...(p.git ? { source: { type: 'github', config: { production_branch: p.production_branch ?? 'main' } as never } } : {}),
        });
      }
    }
    account.persist();
  };
  await applySeed();
  await account.startRuntime();
  certificateAuthority.start();

  let cf: LocalCloudflare | undefined;
  const api = new ApiServer(account, openapi, controlHandler(() => cf!));
  const apiServer = http.createServer(api.handle);
  const edgeServer = http.createServer(edge.nodeHandler);
  // As long as Cloudflare's own front ends keep a connection. A short hint makes clients drop the
  // connection after every answer (undici subtracts a 1-2 s margin from the hint; with 1 s nothing
  // is left), so each SDK call paid a new TCP connection. stop() closes whatever is still open.
  apiServer.keepAliveTimeout = KEEP_ALIVE_MS;
  edgeServer.keepAliveTimeout = KEEP_ALIVE_MS;
  let apiPort: number;
  let edgePort: number;
  try {
    apiPort = await listen(apiServer, options.apiPort ?? 0);
    edgePort = await listen(edgeServer, options.edgePort ?? 0);
  } catch (err) {
    certificateAuthority.stop();
    apiServer.close();
    edgeServer.close();
    await account.runtime.dispose();
    throw err;
  }
  const apiOrigin = `http://127.0.0.1:${apiPort}`;
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  let stopped = false;

  cf = {
    apiBaseUrl: `${apiOrigin}${API_PREFIX}`,
    edgeUrl,
    controlUrl: `${apiOrigin}${CONTROL_PREFIX}`,
    accountId: LOCAL_ACCOUNT_ID,
    zone: { id: LOCAL_ZONE_ID, name: LOCAL_ZONE_NAME },
    token: defaultToken,
    stateDir,
    core: account,
    faults: account.faults,
    info() {
      return {
        apiBaseUrl: cf!.apiBaseUrl,
        edgeUrl,
        controlUrl: cf!.controlUrl,
        accountId: LOCAL_ACCOUNT_ID,
        zone: cf!.zone,
        stateDir: stateDir ?? null,
        openapi: Boolean(openapi),
        tokens: account.tokens.map((t) => ({ id: t.id, name: t.name, status: account.tokenStatus(t), permissionGroups: t.permissionGroups })),
        timing: account.timing,
        rateLimit: account.rateLimiter.config,
      };
    },
    mutations: () => account.observe.mutations.map((m) => ({ ...m })),
    clearMutations: () => {
      account.observe.clearMutations();
    },
    requests: (afterSeq = 0) => account.observe.requests.filter((r) => r.seq > afterSeq).map((r) => ({ ...r })),
    addFault: (spec) => account.faults.add(spec),
    failBuilds: (spec) => account.addBuildFailure(spec),
    domainScenario: (spec) => {
      if (!spec.domain || (spec.mode !== 'stuck' && spec.mode !== 'error')) throw new Error('domain scenario needs { domain, mode: "stuck" | "error" }');
      return account.addDomainScenario(spec);
    },
    addToken: (t) => {
      if (!t || typeof t.value !== 'string' || t.value === '') throw new Error('a token needs a value');
      return account.addToken(t);
    },
    setRateLimit: (cfg) => {
      account.rateLimiter.config = { requests: Number(cfg.requests), windowMs: Number(cfg.windowMs) };
      account.rateLimiter.reset();
    },
    requestCount: (value) => {
      const t = account.findToken(value ?? defaultToken);
      return t ? (account.observe.perToken.get(t.name) ?? 0) : 0;
    },
    state: () => account.stateSnapshot(),
    reset: async () => {
      account.store.clear();
      account.faults.clear();
      account.clearBuildFailures();
      account.clearDomainScenarios();
      account.observe.clear();
      account.rateLimiter.reset();
      account.seedDefaults();
      await applySeed();
      await account.syncRuntime();
    },
    deployWorker: (w) => deployLocalWorker(account, w),
    edgeRequest: (host, pathname = '/', init = {}) =>
      new Promise<EdgeResponse>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: edgePort, path: pathname, method: init.method ?? 'GET', headers: { ...init.headers, host } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(init.body);
      }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      certificateAuthority.stop();
      for (const res of api.hung) res.socket?.destroy();
      api.hung.clear();
      await Promise.all(
        [apiServer, edgeServer].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      await account.runtime.dispose();
    },
  };
  return cf;
}
