import { createHash } from 'node:crypto';
import Cloudflare from 'cloudflare';
import { bundleWorker } from '../devstack/bundle-worker.ts';

// Node-side provisioning of the router Worker into a Cloudflare account (the CLI's `init`, the
// embedded stack, the fault suite). Not Worker code: router-worker/src is what runs in workerd.

/** The router Worker's script name (as in router-worker/wrangler.jsonc). */
export const ROUTER_SCRIPT_NAME = 'nextdeploy-router';
/** The compatibility date the router is tested with (router-worker/wrangler.jsonc). */
export const ROUTER_COMPATIBILITY_DATE = '2026-11-01';

/** The bundled router: one ES module. */
export interface RouterBundle {
  code: string;
  sha256: string;
}

/** Bundles the router (and the core modules it imports) into one ES module, with its digest. */
export async function bundleRouter(): Promise<RouterBundle> {
  const code = await bundleWorker();
  return { code, sha256: createHash('sha256').update(code).digest('hex') };
}

/** Where and how the router is deployed. */
export interface RouterDeployOptions {
  accountId: string;
  zoneId: string;
  kvNamespaceId: string;
  /** `apps.<base domain>`; the route is `*.<appsDomain>/*`. */
  appsDomain: string;
  /** Bearer token of the router's `/__admin/*` API (a secret binding; never logged). */
  adminToken: string;
  /** How long an isolate keeps a route table (default 1000 ms; local tests use 0 so a flip shows at once). */
  isolateCacheMs?: number;
}

/** What {@link deployRouter} did; `unchanged` when the same build and settings were already live. */
export interface RouterDeployResult {
  script: 'uploaded' | 'unchanged';
  route: 'created' | 'exists';
  pattern: string;
  fingerprint: string;
}

const FINGERPRINT_PREFIX = '// nextdeploy-router fingerprint ';

/**
 * The product's router deploy: uploads the bundled router with its KV binding and vars, and
 * adds the zone route `*.<appsDomain>/*`. Idempotent: the script carries a fingerprint of its
 * code and settings (the admin secret excluded), and an unchanged one is not uploaded again.
 */
export async function deployRouter(client: Cloudflare, options: RouterDeployOptions, bundle?: RouterBundle): Promise<RouterDeployResult> {
  const router = bundle ?? (await bundleRouter());
  const vars = {
    APPS_DOMAIN: options.appsDomain,
    CACHE_TTL_SECONDS: '60',
    ISOLATE_CACHE_MS: String(options.isolateCacheMs ?? 1000),
    ALLOWED_TARGET_HOSTS: '*.pages.dev',
  };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ code: router.sha256, kv: options.kvNamespaceId, vars, date: ROUTER_COMPATIBILITY_DATE }))
    .digest('hex')
    .slice(0, 32);
  const code = `${FINGERPRINT_PREFIX}${fingerprint}\n${router.code}`;

  let script: RouterDeployResult['script'] = 'uploaded';
  const deployed = await currentScript(client, options.accountId);
  if (deployed?.includes(`${FINGERPRINT_PREFIX}${fingerprint}`)) {
    script = 'unchanged';
  } else {
    const form = new FormData();
    form.append(
      'metadata',
      JSON.stringify({
        main_module: 'router.mjs',
        compatibility_date: ROUTER_COMPATIBILITY_DATE,
        bindings: [
          { type: 'kv_namespace', name: 'ROUTES', namespace_id: options.kvNamespaceId },
          ...Object.entries(vars).map(([name, text]) => ({ type: 'plain_text', name, text })),
          { type: 'secret_text', name: 'ADMIN_TOKEN', text: options.adminToken },
        ],
      }),
    );
    form.append('router.mjs', new File([code], 'router.mjs', { type: 'application/javascript+module' }));
    // The SDK's scripts.update flattens `metadata` in its multipart body (CLOUDFLARE-NOTES.md),
    // so the upload goes through the client's generic put with a FormData built here.
    await client.put(`/accounts/${options.accountId}/workers/scripts/${ROUTER_SCRIPT_NAME}`, { body: form });
  }

  const pattern = `*.${options.appsDomain}/*`;
  let route: RouterDeployResult['route'] = 'exists';
  const routes = await client.workers.routes.list({ zone_id: options.zoneId });
  const existing = [];
  for await (const r of routes) existing.push(r);
  if (!existing.some((r) => r.pattern === pattern && r.script === ROUTER_SCRIPT_NAME)) {
    await client.workers.routes.create({ zone_id: options.zoneId, pattern, script: ROUTER_SCRIPT_NAME });
    route = 'created';
  }
  return { script, route, pattern, fingerprint };
}

/** The deployed router's content, or undefined if there is none. */
async function currentScript(client: Cloudflare, accountId: string): Promise<string | undefined> {
  try {
    const response = await client.get(`/accounts/${accountId}/workers/scripts/${ROUTER_SCRIPT_NAME}`, { __binaryResponse: true } as never).asResponse();
    return await response.text();
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}

/**
 * The official SDK for provisioning, pointed at `apiBaseUrl` (the local Cloudflare, or the real
 * API by default). Provisioning runs from a person's shell or a test: one retry, then say what failed.
 */
export function provisioningClient(apiToken: string, apiBaseUrl?: string): Cloudflare {
  return new Cloudflare({ apiToken, ...(apiBaseUrl ? { baseURL: apiBaseUrl } : {}), maxRetries: 1, timeout: 30_000 });
}

/** The title of the KV namespace holding the route table (the router's `ROUTES` binding). */
export const KV_NAMESPACE_TITLE = 'nextdeploy-routes';

/** Finds the namespace by title; creates it only if absent (so running twice changes nothing). */
export async function ensureKvNamespace(client: Cloudflare, accountId: string, title = KV_NAMESPACE_TITLE): Promise<{ id: string; created: boolean }> {
  for await (const ns of client.kv.namespaces.list({ account_id: accountId, per_page: 100 })) {
    if (ns.title === title) return { id: ns.id, created: false };
  }
  const created = await client.kv.namespaces.create({ account_id: accountId, title });
  return { id: created.id, created: true };
}
