import { ApplicationFailure } from '@temporalio/activity';
import Cloudflare from 'cloudflare';
import { NOT_RETRYABLE, RETRYABLE } from '../core/failures.ts';

/** Cloudflare error codes the activities act on (sources in cf-local/errors.ts and CLOUDFLARE-NOTES.md). */
export const CF_CODES = {
  INVALID_TOKEN: 1000,
  AUTHENTICATION_ERROR: 10000,
  DNS_HOST_CONFLICT: 81053,
  DNS_CNAME_CONFLICT: 81054,
  DNS_IDENTICAL: 81058,
  DNS_IDENTICAL_OLD: 81057,
  DNS_RECORD_NOT_FOUND: 81044,
  PAGES_UPLOAD_JWT_EXPIRED: 8000013,
  PAGES_DOMAIN_EXISTS: 8000018,
  KV_KEY_NOT_FOUND: 10009,
} as const;

/** The first Cloudflare error code of an SDK error, if any. */
export function cloudflareCode(err: unknown): number | undefined {
  return err instanceof Cloudflare.APIError ? (err.errors[0] as { code?: number } | undefined)?.code : undefined;
}

export function httpStatus(err: unknown): number | undefined {
  return err instanceof Cloudflare.APIError ? err.status : undefined;
}

/** Retry-After (seconds or an HTTP date) or retry-after-ms, in ms; undefined when absent. */
export function retryAfterMs(headers: Headers | undefined, now: () => Date = () => new Date()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now().getTime());
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

function cloudflareDetail(err: InstanceType<typeof Cloudflare.APIError>): string {
  const errors = (err.errors as { code?: number; message?: string }[]).filter((e) => e && (e.code !== undefined || e.message));
  if (errors.length === 0) return `HTTP ${err.status ?? '(no status)'}`;
  return `HTTP ${err.status}: ${errors.map((e) => `[code ${e.code ?? '?'}] ${e.message ?? ''}`.trim()).join('; ')}`;
}

/** Removes every occurrence of the given secrets from a message (defence in depth: no token in any failure). */
export function redact(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * The one place Cloudflare errors become Temporal failures. `what` names the call
 * (`dns.records.create app.example.com`); the message carries Cloudflare's code and message,
 * never a token:
 * 401 → INVALID_TOKEN, 403 → PERMISSION_DENIED, 400/422 → BAD_REQUEST, 404 → NOT_FOUND,
 * 409 → CONFLICT (all non-retryable); 429 → RATE_LIMITED after Retry-After; 5xx, resets and
 * timeouts → retryable with the policy's backoff.
 */
export function classifyError(err: unknown, what: string, secrets: readonly string[] = []): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const say = (detail: string) => redact(`${what}: ${detail}`, secrets);
  if (err instanceof Cloudflare.APIConnectionTimeoutError) {
    return ApplicationFailure.create({ type: RETRYABLE.NETWORK, message: say('request timed out'), nonRetryable: false });
  }
  if (err instanceof Cloudflare.APIConnectionError) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return ApplicationFailure.create({ type: RETRYABLE.NETWORK, message: say(`connection failed (${cause?.code ?? cause?.message ?? 'no answer'})`), nonRetryable: false });
  }
  if (err instanceof Cloudflare.APIError) {
    const status = err.status ?? 0;
    const detail = cloudflareDetail(err);
    const fail = (type: string, nonRetryable: boolean, nextRetryDelay?: number) =>
      ApplicationFailure.create({ type, message: say(detail), nonRetryable, ...(nextRetryDelay !== undefined ? { nextRetryDelay } : {}) });
    if (status === 401) return fail(NOT_RETRYABLE.INVALID_TOKEN, true);
    if (status === 403) return fail(NOT_RETRYABLE.PERMISSION_DENIED, true);
    if (status === 400 || status === 422) return fail(NOT_RETRYABLE.BAD_REQUEST, true);
    if (status === 404) return fail(NOT_RETRYABLE.NOT_FOUND, true);
    if (status === 409) return fail(NOT_RETRYABLE.CONFLICT, true);
    if (status === 429) {
      const delay = retryAfterMs(err.headers);
      return fail(RETRYABLE.RATE_LIMITED, false, delay === undefined ? undefined : Math.max(delay, 1000));
    }
    if (status === 408 || status >= 500) return fail(RETRYABLE.SERVER_ERROR, false);
    return fail(NOT_RETRYABLE.CLOUDFLARE_ERROR, true);
  }
  const code = (err as { code?: string } | null)?.code;
  if (code && NETWORK_CODES.has(code)) {
    return ApplicationFailure.create({ type: RETRYABLE.NETWORK, message: say(`network error ${code}`), nonRetryable: false });
  }
  const message = err instanceof Error ? err.message : String(err);
  // Unknown errors stay retryable (the policy's attempt cap bounds them).
  return ApplicationFailure.create({ type: RETRYABLE.SERVER_ERROR, message: say(`unexpected error: ${message}`), nonRetryable: false });
}

/** Runs one Cloudflare call and classifies whatever it throws. */
export async function cfCall<T>(what: string, fn: () => Promise<T>, secrets: readonly string[] = []): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw classifyError(err, what, secrets);
  }
}

/** Like {@link cfCall} but a 404 is an answer (`null`), not a failure. */
export async function cfFind<T>(what: string, fn: () => Promise<T>, secrets: readonly string[] = []): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (httpStatus(err) === 404) return null;
    throw classifyError(err, what, secrets);
  }
}
