import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { NextdeployActivities } from '../activities/types.ts';
import { NON_RETRYABLE_ERROR_TYPES } from '../core/failures.ts';

/**
 * Retry shape for Cloudflare calls: transient errors back off to a minute and keep trying for
 * longer than the API's 5-minute lockout after a rate-limit breach; a 429 overrides the
 * interval with its `Retry-After` (nextRetryDelay).
 */
const CLOUDFLARE_RETRY = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '60s',
  maximumAttempts: 20,
  nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
} as const;

/** Reads and mutations of one Cloudflare object: short calls with Temporal owning the retries. */
export const CALL: ActivityOptions = {
  startToCloseTimeout: '60s',
  scheduleToCloseTimeout: '15m',
  retry: CLOUDFLARE_RETRY,
  // A cancelled deploy waits for an in-flight mutation to finish (or see the cancel), so the
  // saga never undoes a step while the step is still landing.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/** Compensations: retried for longer, they are what leaves Cloudflare clean. */
export const UNDO: ActivityOptions = {
  ...CALL,
  scheduleToCloseTimeout: '30m',
  retry: { ...CLOUDFLARE_RETRY, maximumAttempts: 40 },
};

/**
 * The deploy webhook: retried like a Cloudflare call, but given up after 10 minutes so an
 * unreachable receiver cannot hold the app's workflow id (and its next deploy) for long.
 */
export const NOTIFY: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '60s' },
};

/** Direct Upload may move many files: heartbeats carry the uploaded hashes so a retry resumes. */
export const UPLOAD: ActivityOptions = {
  ...CALL,
  startToCloseTimeout: '30m',
  scheduleToCloseTimeout: '2h',
  heartbeatTimeout: '60s',
};

/**
 * A poll as an activity whose STILL_PENDING failures are retried: the waits are Temporal's
 * durable retry timers with backoff, and history only records the last attempt, so even a
 * 30-minute build stays a few events. `scheduleToCloseTimeout` is the hard limit.
 */
export function pollOptions(totalMs: number, initialMs: number, maxMs: number, firstAttemptWaits = false): ActivityOptions {
  return {
    startToCloseTimeout: '60s',
    scheduleToCloseTimeout: totalMs,
    retry: {
      // After a first attempt that waited `initialMs` itself (PollStart), the interval the second
      // poll would have had: the same schedule, without the poll at time 0.
      initialInterval: firstAttemptWaits ? Math.min(2 * initialMs, maxMs) : initialMs,
      backoffCoefficient: 2,
      maximumInterval: maxMs,
      // Explicit: the per-call options are merged over CALL's, whose attempt cap must not apply.
      maximumAttempts: Number.POSITIVE_INFINITY,
      nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
    },
  };
}

/** Checks loop inside one activity (heartbeating) over their propagation window. */
export function checkOptions(windowMs: number, paths: number, requestTimeoutMs: number): ActivityOptions {
  return {
    startToCloseTimeout: windowMs + paths * requestTimeoutMs * 2 + 30_000,
    heartbeatTimeout: Math.max(30_000, requestTimeoutMs * 2 + 10_000),
    retry: { initialInterval: '2s', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
    cancellationType: ActivityCancellationType.TRY_CANCEL,
  };
}

/** The proxies the workflows call; options are refined per call with `executeWithOptions`. */
export const activities = proxyActivities<NextdeployActivities>(CALL);
