import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { LogLevel } from '@temporalio/common';
import { isCloudflareId } from '../core/identifiers.ts';
import { TASK_QUEUE } from '../core/workflow-contracts.ts';
import { DEFAULT_CALL_BUDGET } from '../activities/call-budget.ts';
import { DEFAULT_RATE_LIMITS } from './create-worker.ts';

/** Default Prometheus port when metrics are asked for (the OpenTelemetry/Prometheus convention). */
export const DEFAULT_METRICS_PORT = 9464;

// The env var's name leads the message: the worker's log line names what to fix.
const hex32 = (name: string) => z.string().refine(isCloudflareId, { error: `${name} must be 32 hex digits` });

/** An activities-per-second limit: a number > 0, or `off` for none (null). */
const rateLimit = (name: string, fallback: number) => {
  const error = `${name} must be a number > 0, or off for no limit`;
  return z.union([z.literal('off').transform(() => null), z.coerce.number().positive({ error })], { error }).default(fallback);
};

/** The worker's own settings (Temporal's are in core/temporal-connection.ts, the token in core/api-token.ts). */
export const workerEnvSchema = z
  .object({
    CLOUDFLARE_API_BASE_URL: z.url({ error: 'CLOUDFLARE_API_BASE_URL must be a URL, e.g. http://127.0.0.1:8787/client/v4' }).optional(),
    CLOUDFLARE_ACCOUNT_ID: hex32('CLOUDFLARE_ACCOUNT_ID').optional(),
    CLOUDFLARE_ZONE_ID: hex32('CLOUDFLARE_ZONE_ID').optional(),
    NEXTDEPLOY_EDGE_CONNECT_TO: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { error: 'NEXTDEPLOY_EDGE_CONNECT_TO must be host:port' }).optional(),
    NEXTDEPLOY_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
    NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: rateLimit('NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND', DEFAULT_RATE_LIMITS.maxActivitiesPerSecond),
    NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: rateLimit('NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND', DEFAULT_RATE_LIMITS.maxTaskQueueActivitiesPerSecond),
    NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND: z.coerce.number().positive({ error: 'NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND must be > 0 (e.g. 3.6 for one worker, 3.6/N for N workers sharing a token)' }).default(DEFAULT_CALL_BUDGET.perSecond),
    NEXTDEPLOY_CLOUDFLARE_CALL_BURST: z.coerce.number().int().min(1, { error: 'NEXTDEPLOY_CLOUDFLARE_CALL_BURST must be a whole number >= 1' }).default(DEFAULT_CALL_BUDGET.burst),
    NEXTDEPLOY_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    NEXTDEPLOY_METRICS_PORT: z.coerce.number().int().min(1).max(65_535, { error: 'NEXTDEPLOY_METRICS_PORT must be a TCP port' }).optional(),
    NEXTDEPLOY_METRICS_BIND: z.string().regex(/^[A-Za-z0-9.:-]+$/, { error: 'NEXTDEPLOY_METRICS_BIND must be a host or IP, e.g. 127.0.0.1' }).optional(),
    NEXTDEPLOY_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'NEXTDEPLOY_WEBHOOK_URL must be an http(s) URL' }).optional(),
    NEXTDEPLOY_WEBHOOK_SECRET: z.string().min(16, { error: 'NEXTDEPLOY_WEBHOOK_SECRET must be at least 16 characters' }).optional(),
    NEXTDEPLOY_WEBHOOK_SECRET_FILE: z.string().min(1).optional(),
  })
  .refine((e) => !(e.NEXTDEPLOY_WEBHOOK_SECRET && e.NEXTDEPLOY_WEBHOOK_SECRET_FILE), {
    error: 'set NEXTDEPLOY_WEBHOOK_SECRET or NEXTDEPLOY_WEBHOOK_SECRET_FILE, not both',
    path: ['NEXTDEPLOY_WEBHOOK_SECRET_FILE'],
  })
  .refine((e) => Boolean(e.NEXTDEPLOY_WEBHOOK_URL) === Boolean(e.NEXTDEPLOY_WEBHOOK_SECRET || e.NEXTDEPLOY_WEBHOOK_SECRET_FILE), {
    error: 'NEXTDEPLOY_WEBHOOK_URL and NEXTDEPLOY_WEBHOOK_SECRET (or _FILE) go together: an unsigned webhook is not sent',
    path: ['NEXTDEPLOY_WEBHOOK_URL'],
  });

/** The worker's resolved settings. Secrets (webhook secret) are values here and never logged. */
export interface WorkerSettings {
  cloudflareBaseUrl?: string;
  accountId?: string;
  zoneId?: string;
  edgeConnectTo?: string;
  taskQueue: string;
  /** Activities per second this worker starts; null = no limit. */
  maxActivitiesPerSecond: number | null;
  /** Activities per second the server hands out across the task queue; null = no limit. */
  maxTaskQueueActivitiesPerSecond: number | null;
  /** The per-worker Cloudflare call budget (token bucket in front of the SDK). */
  cloudflareCalls: { perSecond: number; burst: number };
  logLevel: LogLevel;
  /** `host:port` of the Prometheus exporter; undefined = no exporter. */
  metricsBindAddress?: string;
  webhook?: { url: string; secret: string };
}

/**
 * Reads the worker's settings; throws one message naming every bad variable. Metrics are off
 * unless `NEXTDEPLOY_METRICS_PORT` or `NEXTDEPLOY_METRICS_BIND` is set; the bind host defaults to
 * 0.0.0.0 (a scraper reaches it in a container), the port to 9464.
 */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const parsed = workerEnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  const e = parsed.data;
  let secret = e.NEXTDEPLOY_WEBHOOK_SECRET;
  if (e.NEXTDEPLOY_WEBHOOK_SECRET_FILE) {
    try {
      secret = readFileSync(e.NEXTDEPLOY_WEBHOOK_SECRET_FILE, 'utf8').trim();
    } catch (err) {
      throw new Error(`NEXTDEPLOY_WEBHOOK_SECRET_FILE names ${e.NEXTDEPLOY_WEBHOOK_SECRET_FILE}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    if (secret.length < 16) throw new Error(`NEXTDEPLOY_WEBHOOK_SECRET_FILE names ${e.NEXTDEPLOY_WEBHOOK_SECRET_FILE}, which holds fewer than 16 characters`);
  }
  const metricsOn = e.NEXTDEPLOY_METRICS_PORT !== undefined || e.NEXTDEPLOY_METRICS_BIND !== undefined;
  const bindHost = e.NEXTDEPLOY_METRICS_BIND ?? '0.0.0.0';
  return {
    ...(e.CLOUDFLARE_API_BASE_URL ? { cloudflareBaseUrl: e.CLOUDFLARE_API_BASE_URL } : {}),
    ...(e.CLOUDFLARE_ACCOUNT_ID ? { accountId: e.CLOUDFLARE_ACCOUNT_ID } : {}),
    ...(e.CLOUDFLARE_ZONE_ID ? { zoneId: e.CLOUDFLARE_ZONE_ID } : {}),
    ...(e.NEXTDEPLOY_EDGE_CONNECT_TO ? { edgeConnectTo: e.NEXTDEPLOY_EDGE_CONNECT_TO } : {}),
    taskQueue: e.NEXTDEPLOY_TASK_QUEUE,
    maxActivitiesPerSecond: e.NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND,
    maxTaskQueueActivitiesPerSecond: e.NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND,
    cloudflareCalls: { perSecond: e.NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND, burst: e.NEXTDEPLOY_CLOUDFLARE_CALL_BURST },
    logLevel: e.NEXTDEPLOY_LOG_LEVEL,
    ...(metricsOn ? { metricsBindAddress: `${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${e.NEXTDEPLOY_METRICS_PORT ?? DEFAULT_METRICS_PORT}` } : {}),
    ...(e.NEXTDEPLOY_WEBHOOK_URL && secret ? { webhook: { url: e.NEXTDEPLOY_WEBHOOK_URL, secret } } : {}),
  };
}
