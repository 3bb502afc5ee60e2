import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import { NOT_RETRYABLE, RETRYABLE } from '../core/failures.ts';

/**
 * Turns what an activity call threw into the ApplicationFailure the workflow ends with: the
 * activity's own failure type and message, or `timeoutType` when its schedule-to-close window
 * (the hard limit of a poll) ran out. Cancellations pass through untouched.
 */
export function asDeployFailure(err: unknown, timeoutType?: string, timeoutMessage?: string): unknown {
  if (isCancellation(err)) return err;
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof TimeoutFailure) {
      const last = cause.cause?.message ?? (cause.lastHeartbeatDetails ? JSON.stringify(cause.lastHeartbeatDetails) : null);
      return ApplicationFailure.create({
        type: timeoutType ?? NOT_RETRYABLE.BAD_REQUEST,
        message: `${timeoutMessage ?? `${err.activityType} timed out`}${last ? ` (last: ${last})` : ''}`,
        nonRetryable: true,
      });
    }
    // When the next retry would pass schedule-to-close, the server ends the activity with its
    // last failure (retry state TIMEOUT) instead of a TimeoutFailure: a poll still pending.
    if (cause instanceof ApplicationFailure && timeoutType && (cause.type === RETRYABLE.STILL_PENDING || err.retryState === RetryState.TIMEOUT)) {
      return ApplicationFailure.create({
        type: timeoutType,
        message: `${timeoutMessage ?? `${err.activityType} timed out`} (last: ${cause.message})`,
        nonRetryable: true,
      });
    }
    if (cause instanceof ApplicationFailure) {
      return ApplicationFailure.create({ type: cause.type ?? undefined, message: cause.message, nonRetryable: true });
    }
    return ApplicationFailure.create({ message: cause?.message ?? err.message, nonRetryable: true });
  }
  return err;
}

/** Awaits an activity call, rethrowing its failure in the workflow's own terms. */
export async function withFailureType<T>(promise: Promise<T>, timeoutType?: string, timeoutMessage?: string): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw asDeployFailure(err, timeoutType, timeoutMessage);
  }
}

/** The failure type of an error the workflow ended with (for results and the progress query). */
export function failureTypeOf(err: unknown): string | undefined {
  return err instanceof ApplicationFailure ? (err.type ?? undefined) : undefined;
}
