import { ApplicationFailure, Context } from '@temporalio/activity';
import type Cloudflare from 'cloudflare';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { cfCall, cfFind } from './errors.ts';
import type { WebhookConfig } from './webhook.ts';

/** What the activities need from the outside world; tests pass real-but-local ones. */
export interface ActivityDeps {
  /** The official SDK client, built with `maxRetries: 0` (see createCloudflareClient). */
  cloudflare: Cloudflare;
  /** When set, inputs naming another account/zone are refused: a worker acts for its own. */
  accountId?: string;
  zoneId?: string;
  clock?: () => Date;
  /** `host:port` the checks connect to instead of the hostname's address (the local edge). */
  edgeConnectTo?: string;
  /** Pause between polls inside one activity (checks). Default: real timers. */
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** The deploy webhook (URL and HMAC secret, from the worker's environment); unset = notifications off. */
  webhook?: WebhookConfig;
  /**
   * How long preflight trusts what it learnt about the token's permissions, the zone and the
   * Pages project (default {@link FACTS_TTL_MS}; 0 = ask every time).
   */
  factsTtlMs?: number;
}

/**
 * Preflight's facts that rarely change are read at most once a minute per worker: a fleet of
 * deploys on one token would otherwise spend 4 of its 1,200 calls per 5 minutes on each deploy
 * just to learn the same answers. A token revoked meanwhile still fails the first real call
 * (INVALID_TOKEN / PERMISSION_DENIED, not retried, compensated).
 */
export const FACTS_TTL_MS = 60_000;

/** The resolved dependencies plus the helpers every activity file uses. */
export interface Ctx {
  cf: Cloudflare;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  edgeConnectTo: string | undefined;
  log: (message: string, fields?: Record<string, unknown>) => void;
  call: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  find: <T>(what: string, fn: () => Promise<T>) => Promise<T | null>;
  checkAccount(accountId: string): void;
  checkZone(zoneId: string): void;
  /** When this worker last wrote each KV key (KV allows one write per second per key). */
  kvWrites: Map<string, number>;
  /**
   * `fn`'s answer, shared by concurrent callers and remembered for the facts TTL; a failure is
   * not remembered. For facts about the account (token, zone, project), never about a deploy.
   */
  remember<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

function activityLog(message: string, fields?: Record<string, unknown>): void {
  try {
    Context.current().log.info(message, fields);
  } catch {
    // Outside an activity (unit tests of helpers): nowhere to log.
  }
}

export function createCtx(deps: ActivityDeps): Ctx {
  // The SDK keeps the token; it is scrubbed from every failure message as a last line of defence.
  const secrets = [deps.cloudflare.apiToken ?? ''].filter(Boolean);
  const ttl = deps.factsTtlMs ?? FACTS_TTL_MS;
  const facts = new Map<string, { until: number; value: Promise<unknown> }>();
  return {
    cf: deps.cloudflare,
    now: deps.clock ?? (() => new Date()),
    sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    edgeConnectTo: deps.edgeConnectTo,
    kvWrites: new Map(),
    log: deps.log ?? activityLog,
    remember<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const now = Date.now();
      const hit = facts.get(key);
      if (hit && hit.until > now) return hit.value as Promise<T>;
      const value = fn();
      if (ttl <= 0) return value;
      const entry = { until: now + ttl, value };
      facts.set(key, entry);
      value.catch(() => {
        if (facts.get(key) === entry) facts.delete(key);
      });
      return value;
    },
    call: (what, fn) => cfCall(what, fn, secrets),
    find: (what, fn) => cfFind(what, fn, secrets),
    checkAccount(accountId) {
      if (deps.accountId && deps.accountId !== accountId) {
        throw ApplicationFailure.nonRetryable(`this worker acts for account ${deps.accountId}, not ${accountId}`, NOT_RETRYABLE.INVALID_INPUT);
      }
    },
    checkZone(zoneId) {
      if (deps.zoneId && deps.zoneId !== zoneId) {
        throw ApplicationFailure.nonRetryable(`this worker acts for zone ${deps.zoneId}, not ${zoneId}`, NOT_RETRYABLE.INVALID_INPUT);
      }
    },
  };
}

/**
 * Heartbeats start this long after an activity's first heartbeat call. The SDK sends the first
 * one at once, and the server records each as a write to the workflow's state: for the many
 * uploads and check rounds that end within seconds it buys nothing (a lost worker is still found
 * by the heartbeat timeout, and a retried upload asks Cloudflare what is missing).
 */
export const HEARTBEAT_GRACE_MS = 5_000;

const firstHeartbeatCall = new WeakMap<Context, number>();

/** Heartbeats when running inside an activity, after {@link HEARTBEAT_GRACE_MS}; a no-op elsewhere. */
export function heartbeat(details?: unknown): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // not in an activity
  }
  const now = Date.now();
  const first = firstHeartbeatCall.get(context) ?? now;
  firstHeartbeatCall.set(context, first);
  if (now - first >= HEARTBEAT_GRACE_MS) context.heartbeat(details);
}

/** The wait of a poll's first attempt before it asks (see PollStart); later attempts ask at once. */
export async function waitBeforeFirstPoll(ctx: Pick<Ctx, 'sleep'>, firstPollAfterMs: number | undefined): Promise<void> {
  if (firstPollAfterMs && firstPollAfterMs > 0 && attempt() === 1) await ctx.sleep(firstPollAfterMs);
}

export function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}
