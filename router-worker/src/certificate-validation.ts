import { ACTIVE_RECORD_SCHEMA_VERSION, kvKeys, versionsListSchema } from '../../core/kv-records.ts';
import { compileRouteTable, type RouteTable } from '../../core/route-table.ts';
import { failure, RouterFailure } from './failures.ts';
import { parseJson } from './json.ts';
import { proxyRequest } from './proxy.ts';

/** Where a pending version may be: a Pages deployment, never anything else. */
const PENDING_HOSTS = ['*.pages.dev'];

/**
 * Certificate validation for an app with nothing live yet. Its first deploy attaches the custom
 * domain before the flip, and the certificate authority's request reaches this router like any
 * other; the deploy therefore announces the version it brings up as `pending` in
 * `${app}:versions`, with its deployment URL, before attaching (workflows/deploy.ts). The newest
 * pending entry becomes a one-target table, checked like a live record's targets (https, no
 * port or credentials, a `*.pages.dev` host), so the versions list cannot make the router an
 * open proxy. Null when there is no such entry or its URL is refused.
 */
export function pendingValidationTable(app: string, raw: string | null): RouteTable | null {
  if (raw === null) return null;
  const parsed = versionsListSchema.safeParse(parseJson(raw));
  if (!parsed.success) return null;
  const entry = parsed.data.findLast((e) => e.state === 'pending' && e.deploymentUrl !== undefined);
  if (entry === undefined) return null;
  const table = compileRouteTable({
    schema: ACTIVE_RECORD_SCHEMA_VERSION,
    app,
    version: entry.version,
    defaultTarget: entry.deploymentUrl!,
    routes: [],
    allowedHosts: PENDING_HOSTS,
    previousVersion: null,
    activatedAt: entry.updatedAt,
    activatedBy: 'pending',
  });
  return table.defaultTarget.origin === null ? null : table;
}

/** The validation request of an app without a live record, to its pending deployment or a 404. */
export async function forwardCertificateValidation(request: Request, url: URL, kv: KVNamespace, app: string): Promise<Response> {
  let raw: string | null;
  try {
    raw = await kv.get(kvKeys.versions(app), { type: 'text' });
  } catch (error) {
    console.error(`nextdeploy-router: ${app}: KV read of the versions list failed: ${String(error)}`);
    return failure(503, RouterFailure.routesUnavailable, `Service unavailable: the versions of app "${app}" could not be read; retry shortly.`, { 'retry-after': '5' });
  }
  const table = pendingValidationTable(app, raw);
  if (table === null) return failure(404, RouterFailure.appNotFound, `Not found: app "${app}" has no live version.`);
  return proxyRequest(request, url, table);
}
