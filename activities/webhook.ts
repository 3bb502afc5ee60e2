import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';

/** Header names a receiver reads; the signature covers `${timestamp}.${body}`. */
export const WEBHOOK_HEADERS = {
  timestamp: 'x-nextdeploy-timestamp',
  signature: 'x-nextdeploy-signature',
} as const;

/** Failure types of the webhook activity (4xx is the receiver refusing: retrying will not help). */
export const WEBHOOK_FAILURES = {
  REJECTED: 'WEBHOOK_REJECTED',
  UNAVAILABLE: 'WEBHOOK_UNAVAILABLE',
} as const;

/** The JSON body sent on every final status. */
export interface DeployNotification {
  app: string;
  version: string;
  status: 'live' | 'rolled_back' | 'failed' | 'cancelled';
  /** For every status but `live`: the failure type and message. */
  reason?: string;
  /** The version live when the deploy ended. */
  liveVersion?: string | null;
  workflowId: string;
  runId?: string;
  url?: string;
  finishedAt: string;
}

/** `v1=<hex HMAC-SHA256 of "timestamp.body">`, the same scheme as Stripe's and Slack's. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * For receivers: true when the signature matches and the timestamp is within `toleranceSec`
 * of now (a replayed old request fails). Compares in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { now?: Date; toleranceSec?: number } = {},
): boolean {
  if (!headers.timestamp || !headers.signature) return false;
  const ageSec = Math.abs((options.now ?? new Date()).getTime() / 1000 - Number(headers.timestamp));
  if (!Number.isFinite(ageSec) || ageSec > (options.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, headers.timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Dependencies of the webhook activity; the secret stays here, never in a workflow input. */
export interface WebhookConfig {
  url: string;
  secret: string;
  fetchImpl?: typeof fetch;
  clock?: () => Date;
  timeoutMs?: number;
}

/**
 * `notifyDeployFinished`: POSTs the signed JSON body. Temporal retries it like any activity:
 * 5xx, 429 and network errors are retryable; any other 4xx is not.
 */
export function createWebhookActivities(config: WebhookConfig) {
  const fetchImpl = config.fetchImpl ?? fetch;
  const clock = config.clock ?? (() => new Date());
  return {
    async notifyDeployFinished(notification: DeployNotification): Promise<{ status: number }> {
      const body = JSON.stringify(notification);
      const timestamp = String(Math.floor(clock().getTime() / 1000));
      let response: Response;
      try {
        response = await fetchImpl(config.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'nextdeploy-webhook/1',
            [WEBHOOK_HEADERS.timestamp]: timestamp,
            [WEBHOOK_HEADERS.signature]: signWebhook(config.secret, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
        });
      } catch (err) {
        throw ApplicationFailure.retryable(`webhook unreachable: ${(err as Error).message}`, WEBHOOK_FAILURES.UNAVAILABLE);
      }
      await response.body?.cancel();
      if (response.ok) return { status: response.status };
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        throw ApplicationFailure.retryable(`webhook answered ${response.status}`, WEBHOOK_FAILURES.UNAVAILABLE);
      }
      throw ApplicationFailure.nonRetryable(`webhook refused the notification with ${response.status}`, WEBHOOK_FAILURES.REJECTED);
    },
  };
}
