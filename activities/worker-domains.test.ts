// Native Workers routing's custom domain against the local Cloudflare, through the real SDK:
// attach once, refuse what belongs to someone else, and put back exactly what was there.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { WORKERS_BUNDLE_FILE } from '../core/workers-bundle.ts';
import { activities, cf, failureOf, useLocalCloudflare } from './fixture.ts';

useLocalCloudflare();

const dir = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-worker-domains-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Uploads a one-module Worker answering `script`. */
async function worker(script: string): Promise<void> {
  const bundle = path.join(dir, script);
  mkdirSync(bundle, { recursive: true });
  writeFileSync(path.join(bundle, 'index.js'), `export default { fetch() { return new Response(${JSON.stringify(script)}); } };\n`);
  writeFileSync(path.join(bundle, WORKERS_BUNDLE_FILE), JSON.stringify({ schema: 1, mainModule: 'index.js', modules: [{ name: 'index.js', type: 'esm' }], assetsDir: null, compatibilityDate: '2026-11-01' }));
  const sub = cf.state().workersSubdomain;
  await activities.uploadWorkerVersion({ accountId: cf.accountId, source: { type: 'workers', path: bundle, script, subdomain: sub }, marker: `nextdeploy ${script}@v1`, version: 'v1' });
}

const args = (hostname: string, script: string) => ({ accountId: cf.accountId, zoneId: cf.zone.id, hostname, script });
const servedBy = async (hostname: string) => (await cf.edgeRequest(hostname, '/')).body;
const domainsAt = (hostname: string) => cf.state().workerDomains.filter((d) => d.hostname === hostname).map((d) => d.service);

beforeAll(async () => {
  await worker('shop');
  await worker('other');
});

describe('a Worker custom domain for native routing', () => {
  it('attaches once: a retry or a redeploy gets the same custom domain back', async () => {
    const first = await activities.attachWorkerDomain(args('shop.nextdeploy.test', 'shop'));
    expect(first.status).toBe('attached');
    expect(await activities.attachWorkerDomain(args('shop.nextdeploy.test', 'shop'))).toEqual({ id: first.id, status: 'attached' });
    expect(domainsAt('shop.nextdeploy.test')).toEqual(['shop']);
    expect(await servedBy('shop.nextdeploy.test')).toBe('shop');
  });

  it('refuses a hostname that is another Worker\'s, or that has a DNS record of its own, naming what to do', async () => {
    const taken = await failureOf(activities.attachWorkerDomain(args('shop.nextdeploy.test', 'other')));
    expect(taken.type).toBe(NOT_RETRYABLE.CONFLICT);
    expect(taken.message).toContain('is the custom domain of another Worker');
    const client = (await import('./cloudflare.ts')).createCloudflareClient({ apiToken: cf.token, baseURL: cf.apiBaseUrl });
    await client.dns.records.create({ zone_id: cf.zone.id, type: 'CNAME', name: 'legacy.nextdeploy.test', content: 'legacy.example.net', proxied: false, ttl: 300 });
    const recorded = await failureOf(activities.attachWorkerDomain(args('legacy.nextdeploy.test', 'shop')));
    expect(recorded.type).toBe(NOT_RETRYABLE.CONFLICT);
    expect(recorded.message).toContain('has a DNS record of its own');
    expect(domainsAt('legacy.nextdeploy.test')).toEqual([]);
  });

  it('restores what preflight saw: detached when it was nobody\'s, moved back when it was another Worker\'s', async () => {
    await activities.attachWorkerDomain(args('fresh.nextdeploy.test', 'shop'));
    await activities.restoreWorkerDomain({ ...args('fresh.nextdeploy.test', 'shop'), previous: null });
    expect(domainsAt('fresh.nextdeploy.test')).toEqual([]);

    await activities.attachWorkerDomain(args('moved.nextdeploy.test', 'shop'));
    await activities.restoreWorkerDomain({ ...args('moved.nextdeploy.test', 'shop'), previous: { service: 'other' } });
    expect(domainsAt('moved.nextdeploy.test')).toEqual(['other']);
    expect(await servedBy('moved.nextdeploy.test')).toBe('other');
    // Someone else's attachment since: the restore leaves it.
    await activities.restoreWorkerDomain({ ...args('moved.nextdeploy.test', 'shop'), previous: null });
    expect(domainsAt('moved.nextdeploy.test')).toEqual(['other']);
  });
});
