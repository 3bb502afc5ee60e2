import { kvKeys, versionsListSchema } from '../../core/kv-records.ts';
import { failure, RouterFailure } from './failures.ts';

/**
 * Certificate validation for an app with nothing live yet. Its first deploy attaches the custom
 * domain before the flip, and the certificate authority's request reaches this router like any
 * other; the deploy therefore announces the version it brings up as `pending` in
 * `${app}:versions`, with its deployment URL, before attaching (workflows/deploy.ts). The newest
 * pending entry's origin gets the validation path; only `https://*.pages.dev` origins, so the
 * versions list cannot make the router an open proxy.
 */
export function pendingValidationTarget(raw: string | null): { version: string; origin: string } | null {
  if (raw === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = versionsListSchema.safeParse(json);
  if (!parsed.success) return null;
  const entry = parsed.data.findLast((e) => e.state === 'pending' && e.deploymentUrl !== undefined);
  if (entry === undefined) return null;
  let url: URL;
  try {
    url = new URL(entry.deploymentUrl!);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || !url.hostname.endsWith('.pages.dev') || url.port !== '' || url.username !== '' || url.password !== '') return null;
  return { version: entry.version, origin: url.origin };
}

/** The validation request of an app without a live record, to its pending deployment or a 404. */
export async function forwardValidation(request: Request, url: URL, kv: KVNamespace, app: string): Promise<Response> {
  let raw: string | null;
  try {
    raw = await kv.get(kvKeys.versions(app), { type: 'text' });
  } catch (error) {
    console.error(`nextdeploy-router: ${app}: KV read of the versions list failed: ${String(error)}`);
    return failure(503, RouterFailure.routesUnavailable, `Service unavailable: the versions of app "${app}" could not be read; retry shortly.`, { 'retry-after': '5' });
  }
  const target = pendingValidationTarget(raw);
  if (target === null) return failure(404, RouterFailure.appNotFound, `Not found: app "${app}" has no live version.`);
  let response: Response;
  try {
    response = await fetch(`${target.origin}${url.pathname}${url.search}`, { method: request.method === 'HEAD' ? 'HEAD' : 'GET', redirect: 'manual' });
  } catch (error) {
    console.error(`nextdeploy-router: ${app}@${target.version} validation upstream failed: ${String(error)}`);
    return failure(502, RouterFailure.upstreamUnreachable, 'Bad gateway: the deployment could not be reached.', { 'x-nextdeploy-version': target.version });
  }
  const out = new Response(response.body, response);
  out.headers.set('x-nextdeploy-version', target.version);
  return out;
}
