import Cloudflare from 'cloudflare';
import type { ApiToken } from '../core/api-token.ts';
import { CliError, EXIT } from './io.ts';

/** The official SDK, pointed at `apiBaseUrl` (the local Cloudflare, or the real API by default). */
export function cloudflareClient(token: ApiToken | string, apiBaseUrl?: string): Cloudflare {
  return new Cloudflare({
    apiToken: typeof token === 'string' ? token : token.value,
    ...(apiBaseUrl ? { baseURL: apiBaseUrl } : {}),
    // A CLI run is short and interactive: one retry, then say what failed.
    maxRetries: 1,
    timeout: 30_000,
  });
}

/**
 * A Cloudflare API failure as CLI lines: status, Cloudflare's code and message, and what to do
 * about 401/403. The SDK's error text carries no token, so it may be shown.
 */
export function cloudflareFailure(err: unknown, doing: string): CliError {
  if (err instanceof Cloudflare.APIError) {
    const status = err.status;
    const codes = (err.errors ?? []).map((e) => `${e.code}: ${e.message}`).join('; ');
    const hint =
      status === 401
        ? ' The token is invalid or expired: check CLOUDFLARE_API_TOKEN (or the file CLOUDFLARE_API_TOKEN_FILE names).'
        : status === 403
          ? ' The token lacks a permission for this: run `npm run validate-token` to see which.'
          : '';
    if (status === undefined) return new CliError([`${doing}: the Cloudflare API did not answer (${err.message})`], EXIT.UNAVAILABLE);
    return new CliError([`${doing}: Cloudflare answered ${status}${codes ? ` (${codes})` : ''}.${hint}`], status === 401 || status === 403 ? EXIT.USAGE : EXIT.FAILED);
  }
  return new CliError([`${doing}: ${err instanceof Error ? err.message : String(err)}`], EXIT.UNAVAILABLE);
}

/** The title of the KV namespace holding the route table. */
export const KV_NAMESPACE_TITLE = 'nextdeploy-routes';

/** Finds the namespace by title; creates it only if absent (so running twice changes nothing). */
export async function ensureKvNamespace(client: Cloudflare, accountId: string, title = KV_NAMESPACE_TITLE): Promise<{ id: string; created: boolean }> {
  for await (const ns of client.kv.namespaces.list({ account_id: accountId, per_page: 100 })) {
    if (ns.title === title) return { id: ns.id, created: false };
  }
  const created = await client.kv.namespaces.create({ account_id: accountId, title });
  return { id: created.id, created: true };
}

/** Creates the Pages project (production branch `main`) unless it exists. */
export async function ensurePagesProject(client: Cloudflare, accountId: string, name: string): Promise<{ created: boolean }> {
  try {
    await client.pages.projects.get(name, { account_id: accountId });
    return { created: false };
  } catch (err) {
    if ((err as { status?: number }).status !== 404) throw err;
  }
  await client.pages.projects.create({ account_id: accountId, name, production_branch: 'main' });
  return { created: true };
}
