import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startStack } from './stack.ts';

/** True while something answers on the origin (the local Cloudflare's API, say). */
async function answers(origin: string): Promise<boolean> {
  return fetch(origin, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );
}

describe('startStack, the one starter of every local stack', () => {
  it('starts the local Cloudflare with the router, runs what the caller adds, and stops all of it newest first', async () => {
    const stopped: string[] = [];
    const stack = await startStack({ cloudflare: { projects: ['stack-proj'], router: { adminToken: randomBytes(16).toString('hex') } }, temporal: false }, async ({ cloudflare, onStop }) => {
      onStop(async () => void stopped.push('first added'));
      onStop(async () => void stopped.push('last added'));
      return { apiBaseUrl: cloudflare!.cf.apiBaseUrl };
    });
    expect(stack.temporal).toBeUndefined();
    expect(stack.cloudflare!.appsDomain).toBe(`apps.${stack.cloudflare!.cf.zone.name}`);
    expect(stack.cloudflare!.cf.state().projects.map((p) => p.name)).toContain('stack-proj');
    // The router is deployed: its Worker script exists in the account.
    expect(stack.cloudflare!.cf.state().scripts.length).toBeGreaterThan(0);
    expect(await answers(stack.apiBaseUrl)).toBe(true);

    await stack.stop();
    expect(stopped).toEqual(['last added', 'first added']);
    expect(await answers(stack.apiBaseUrl)).toBe(false);
  });

  it('stops what it started when the caller’s part fails, and rethrows that failure', async () => {
    let apiBaseUrl = '';
    const failure = startStack({ cloudflare: { router: false }, temporal: false }, async ({ cloudflare }) => {
      apiBaseUrl = cloudflare!.cf.apiBaseUrl;
      throw new Error('the worker would not start');
    });
    await expect(failure).rejects.toThrow('the worker would not start');
    expect(apiBaseUrl).not.toBe('');
    expect(await answers(apiBaseUrl)).toBe(false);
  });

  it('keeps stopping the rest when one stop fails, and reports that stop', async () => {
    const reported: string[] = [];
    const stopped: string[] = [];
    const stack = await startStack(
      { cloudflare: false, temporal: false },
      async ({ onStop }) => {
        onStop(async () => void stopped.push('older'));
        onStop(async () => {
          throw new Error('already gone');
        });
        return {};
      },
      (err) => reported.push(err.message),
    );
    await stack.stop();
    expect(reported).toEqual(['already gone']);
    expect(stopped).toEqual(['older']);
  });
});
