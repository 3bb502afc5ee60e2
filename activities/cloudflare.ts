import Cloudflare from 'cloudflare';
import type { CallBudget } from './call-budget.ts';
import { httpFetch } from './http-fetch.ts';

/** Options of {@link createCloudflareClient}. */
export interface CloudflareClientOptions {
  apiToken: string;
  /** Default: the real API. The local emulator: `http://127.0.0.1:<port>/client/v4`. */
  baseURL?: string;
  /** Per-request timeout (default 30 s): a hung call fails as NETWORK and Temporal retries it. */
  timeoutMs?: number;
  /** Paces every call through this budget (see activities/call-budget.ts); unset = unpaced. */
  budget?: CallBudget;
}

/**
 * The one Cloudflare client of a worker: the official SDK with its own retries off, since
 * Temporal owns retries (and their history and backoff). Only token auth: the legacy key/email
 * variables of the environment are ignored on purpose.
 */
export function createCloudflareClient(options: CloudflareClientOptions): Cloudflare {
  return new Cloudflare({
    apiToken: options.apiToken,
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: 0,
    timeout: options.timeoutMs ?? 30_000,
    fetch: options.budget ? pacedFetch(options.budget) : httpFetch,
  });
}

function pacedFetch(budget: CallBudget): typeof fetch {
  return async (input, init) => {
    await budget.acquire();
    return httpFetch(input, init);
  };
}
