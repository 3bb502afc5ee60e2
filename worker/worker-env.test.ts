import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from './create-worker.ts';
import { workerSettingsFromEnv } from './worker-env.ts';

const SECRET = 'webhook-secret-8c1f2e9a7b';

describe('worker settings from the environment', () => {
  it('defaults: no metrics, no webhook, the fleet-safe rate limits', () => {
    const s = workerSettingsFromEnv({});
    expect(s.metricsBindAddress).toBeUndefined();
    expect(s.webhook).toBeUndefined();
    expect([s.maxActivitiesPerSecond, s.maxTaskQueueActivitiesPerSecond]).toEqual([DEFAULT_RATE_LIMITS.maxActivitiesPerSecond, DEFAULT_RATE_LIMITS.maxTaskQueueActivitiesPerSecond]);
    expect(s.taskQueue).toBe('nextdeploy');
  });

  it('turns metrics on with a port (all interfaces) or a bind host (default port 9464)', () => {
    expect(workerSettingsFromEnv({ NEXTDEPLOY_METRICS_PORT: '9100' }).metricsBindAddress).toBe('0.0.0.0:9100');
    expect(workerSettingsFromEnv({ NEXTDEPLOY_METRICS_BIND: '127.0.0.1' }).metricsBindAddress).toBe('127.0.0.1:9464');
    expect(workerSettingsFromEnv({ NEXTDEPLOY_METRICS_BIND: '::1', NEXTDEPLOY_METRICS_PORT: '9200' }).metricsBindAddress).toBe('[::1]:9200');
    expect(() => workerSettingsFromEnv({ NEXTDEPLOY_METRICS_PORT: '70000' })).toThrow(/NEXTDEPLOY_METRICS_PORT/);
  });

  it('reads the task-queue-wide rate limit, fractions included', () => {
    expect(workerSettingsFromEnv({ NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: '0.5' }).maxTaskQueueActivitiesPerSecond).toBe(0.5);
    expect(() => workerSettingsFromEnv({ NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: '0' })).toThrow(/NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND must be a number > 0, or off/);
  });

  it('lifts either activity limit with off (no limit, so the server may hand activities back eagerly)', () => {
    const s = workerSettingsFromEnv({ NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: 'off', NEXTDEPLOY_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: 'off' });
    expect([s.maxActivitiesPerSecond, s.maxTaskQueueActivitiesPerSecond]).toEqual([null, null]);
    expect(() => workerSettingsFromEnv({ NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND: 'none' })).toThrow(/NEXTDEPLOY_MAX_ACTIVITIES_PER_SECOND must be a number > 0, or off/);
  });

  it('paces Cloudflare calls under the token budget by default, and lets a fleet divide it', () => {
    expect(workerSettingsFromEnv({}).cloudflareCalls).toEqual({ perSecond: 3.6, burst: 60 });
    expect(workerSettingsFromEnv({ NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND: '1.2', NEXTDEPLOY_CLOUDFLARE_CALL_BURST: '5' }).cloudflareCalls).toEqual({ perSecond: 1.2, burst: 5 });
    expect(() => workerSettingsFromEnv({ NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND: '0' })).toThrow(/NEXTDEPLOY_CLOUDFLARE_CALLS_PER_SECOND/);
    expect(() => workerSettingsFromEnv({ NEXTDEPLOY_CLOUDFLARE_CALL_BURST: '0.5' })).toThrow(/NEXTDEPLOY_CLOUDFLARE_CALL_BURST/);
  });

  it('needs the webhook URL and secret together, the secret from a file or the variable', () => {
    expect(() => workerSettingsFromEnv({ NEXTDEPLOY_WEBHOOK_URL: 'https://hooks.example.com/x' })).toThrow(/go together/);
    expect(() => workerSettingsFromEnv({ NEXTDEPLOY_WEBHOOK_SECRET: SECRET })).toThrow(/go together/);
    expect(() => workerSettingsFromEnv({ NEXTDEPLOY_WEBHOOK_URL: 'ftp://x', NEXTDEPLOY_WEBHOOK_SECRET: SECRET })).toThrow(/http\(s\) URL/);
    expect(workerSettingsFromEnv({ NEXTDEPLOY_WEBHOOK_URL: 'https://hooks.example.com/x', NEXTDEPLOY_WEBHOOK_SECRET: SECRET }).webhook).toEqual({ url: 'https://hooks.example.com/x', secret: SECRET });
    const dir = mkdtempSync(path.join(tmpdir(), 'nextdeploy-whsec-'));
    writeFileSync(path.join(dir, 'secret'), `${SECRET}\n`);
    expect(workerSettingsFromEnv({ NEXTDEPLOY_WEBHOOK_URL: 'https://hooks.example.com/x', NEXTDEPLOY_WEBHOOK_SECRET_FILE: path.join(dir, 'secret') }).webhook?.secret).toBe(SECRET);
  });

  it('never puts the secret in an error message', () => {
    let message = '';
    try {
      workerSettingsFromEnv({ NEXTDEPLOY_WEBHOOK_SECRET: 'short', NEXTDEPLOY_WEBHOOK_URL: 'https://hooks.example.com/x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/at least 16 characters/);
    expect(message).not.toContain('short');
  });
});
