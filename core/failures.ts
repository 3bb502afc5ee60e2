// Safe for: worker, workflow (string constants only)
/**
 * Failure types of the deploy: the `type` of every ApplicationFailure an activity or workflow
 * throws, and what retry policies list as non-retryable. Tests and the CLI match on these
 * strings, so they never change meaning.
 */
export const NOT_RETRYABLE = {
  /** The token lacks a permission the call needs (Cloudflare 403 / code 10000). */
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  /** The token is invalid or expired (Cloudflare 401 / code 1000). */
  INVALID_TOKEN: 'INVALID_TOKEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_REQUEST: 'BAD_REQUEST',
  CONFLICT: 'CONFLICT',
  /** The deploy's hostname is not inside the configured zone (no hijacking other zones). */
  HOSTNAME_OUTSIDE_ZONE: 'HOSTNAME_OUTSIDE_ZONE',
  ZONE_NOT_ACTIVE: 'ZONE_NOT_ACTIVE',
  /** The Pages deployment ended in failure or was cancelled (message names the stage). */
  BUILD_FAILED: 'BUILD_FAILED',
  /** The Pages deployment did not finish within the build timeout. */
  BUILD_TIMEOUT: 'BUILD_TIMEOUT',
  /** The custom domain went to `error`/`blocked`. */
  DOMAIN_FAILED: 'DOMAIN_FAILED',
  /** The custom domain (or its certificate) did not become active within its window. */
  DOMAIN_TIMEOUT: 'DOMAIN_TIMEOUT',
  /** A version's immutable KV keys already hold different content. */
  VERSION_CONFLICT: 'VERSION_CONFLICT',
  /** Synthetic checks failed after the propagation window, or during the bake. */
  CHECKS_FAILED: 'CHECKS_FAILED',
  /** The workflow input (or a value derived from it) is invalid. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** A rollback asked for a version that does not exist, failed, or has no deployment. */
  ROLLBACK_TARGET_INVALID: 'ROLLBACK_TARGET_INVALID',
  /** A Cloudflare error the classifier has no better name for (4xx other than the above). */
  CLOUDFLARE_ERROR: 'CLOUDFLARE_ERROR',
} as const;

/** Transient failures: Temporal retries them with backoff (or after `Retry-After`). */
export const RETRYABLE = {
  /** Cloudflare 429; the activity failure carries `nextRetryDelay` from `Retry-After`. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** Cloudflare 5xx. */
  SERVER_ERROR: 'SERVER_ERROR',
  /** Connection refused/reset, DNS, timeouts. */
  NETWORK: 'NETWORK',
  /**
   * Not an error: a poll found the deployment still building or the domain still pending.
   * Polling is an activity that fails with this type until done, so the waits are Temporal's
   * durable retry timers (5 s → 30 s) and a 30-minute build adds a handful of history events.
   */
  STILL_PENDING: 'STILL_PENDING',
} as const;

export type NotRetryableFailureType = (typeof NOT_RETRYABLE)[keyof typeof NOT_RETRYABLE];
export type RetryableFailureType = (typeof RETRYABLE)[keyof typeof RETRYABLE];
export type FailureType = NotRetryableFailureType | RetryableFailureType;

/** For `RetryPolicy.nonRetryableErrorTypes`. */
export const NON_RETRYABLE_ERROR_TYPES: string[] = Object.values(NOT_RETRYABLE);

/** Why a deploy ended in `rolled_back` (the `reason` of the result is one of these, with detail). */
export const ROLLBACK_REASONS = {
  SIGNAL: 'ROLLBACK_SIGNAL',
  CHECKS_FAILED: NOT_RETRYABLE.CHECKS_FAILED,
  BAKE_CHECK_FAILED: 'BAKE_CHECK_FAILED',
  CANCELLED: 'CANCELLED',
} as const;
