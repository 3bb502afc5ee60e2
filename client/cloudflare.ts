import Cloudflare from 'cloudflare';
import type { ApiToken } from '../core/api-token.ts';
import { provisioningClient } from '../router-worker/provision.ts';
import { CliError, EXIT } from './io.ts';

/** The official SDK, pointed at `apiBaseUrl` (the local Cloudflare, or the real API by default). */
export function cloudflareClient(token: ApiToken | string, apiBaseUrl?: string): Cloudflare {
  // A CLI run is short and interactive: the provisioning settings (one retry) suit it.
  return provisioningClient(typeof token === 'string' ? token : token.value, apiBaseUrl);
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
