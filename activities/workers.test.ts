// The Workers row's upload against the local Cloudflare over real HTTP, through the real SDK:
// a bundle folder as build/workers-bundle.ts writes it, uploaded as Worker versions.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { WORKERS_BUNDLE_FILE, WORKERS_LIMITS } from '../core/workers-bundle.ts';
import { activities, cf, failureOf, useLocalCloudflare } from './fixture.ts';

useLocalCloudflare();

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A bundle folder: one ESM module answering with `body`, and `assets` as static files. */
function bundle(body: string, assets: Record<string, string>, overrides: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-workers-bundle-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.js'), `export default { fetch() { return new Response(${JSON.stringify(body)}); } };\n`);
  for (const [name, content] of Object.entries(assets)) {
    mkdirSync(path.dirname(path.join(dir, 'assets', name)), { recursive: true });
    writeFileSync(path.join(dir, 'assets', name), content);
  }
  const manifest = {
    schema: 1,
    mainModule: 'index.js',
    modules: [{ name: 'index.js', type: 'esm' }],
    assetsDir: 'assets',
    assetsBinding: 'ASSETS',
    compatibilityDate: '2026-11-01',
    compatibilityFlags: ['nodejs_compat'],
    ...overrides,
  };
  writeFileSync(path.join(dir, WORKERS_BUNDLE_FILE), JSON.stringify(manifest));
  return dir;
}

async function subdomain(): Promise<string> {
  const r = await fetch(`${cf.apiBaseUrl}/accounts/${cf.accountId}/workers/subdomain`, { headers: { authorization: `Bearer ${cf.token}` } });
  return ((await r.json()) as { result: { subdomain: string } }).result.subdomain;
}

const upload = async (dir: string, version: string, script = 'shop') =>
  activities.uploadWorkerVersion({ accountId: cf.accountId, source: { type: 'workers', path: dir, script, subdomain: await subdomain() }, marker: `nextdeploy shop@${version}`, version });

describe('uploading a Worker version', () => {
  it('creates the Worker on its first version, then adds versions; each answers at its own version URL with its own assets', async () => {
    const sub = await subdomain();
    const first = await upload(bundle('one', { 'index.html': '<h1>one</h1>', 'logo.txt': 'logo' }), 'v1');
    expect(first.reused).toBe(false);
    expect(first.url).toBe(`https://${first.shortId}-shop.${sub}.workers.dev`);
    expect(first.stats).toMatchObject({ assets: 2, assetsUploaded: 2 });

    const second = await upload(bundle('two', { 'index.html': '<h1>two</h1>', 'logo.txt': 'logo' }), 'v2');
    expect(second.id).not.toBe(first.id);
    // Deduplicated by hash: only the changed file goes up again.
    expect(second.stats).toMatchObject({ assets: 2, assetsUploaded: 1 });

    const edge = async (url: string, p: string) => (await cf.edgeRequest(new URL(url).host, p)).body;
    expect(await edge(first.url, '/logo.txt')).toBe('logo');
    expect(await edge(first.url, '/')).toContain('one');
    expect(await edge(second.url, '/')).toContain('two');
    expect(await edge(first.url, '/api')).toBe('one');
    expect(await edge(second.url, '/api')).toBe('two');
  });

  it('finds the version an earlier attempt uploaded instead of making a second', async () => {
    const dir = bundle('again', { 'a.txt': 'a' });
    const first = await upload(dir, 'v3');
    cf.clearMutations();
    const retry = await upload(dir, 'v3');
    expect(retry).toMatchObject({ id: first.id, reused: true });
    expect(cf.mutations().filter((m) => m.outcome === 'applied')).toEqual([]);
  });

  it('refuses a bad bundle before any call that changes Cloudflare, naming the fix', async () => {
    cf.clearMutations();
    const empty = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-workers-empty-'));
    dirs.push(empty);
    const noWorker = await failureOf(upload(empty, 'v4'));
    expect(noWorker.type).toBe(NOT_RETRYABLE.INVALID_INPUT);
    expect(noWorker.message).toContain(WORKERS_BUNDLE_FILE);

    const missingModule = bundle('x', {}, { modules: [{ name: 'index.js', type: 'esm' }, { name: 'chunk.js', type: 'esm' }] });
    expect((await failureOf(upload(missingModule, 'v4'))).message).toContain('module chunk.js is missing');

    const huge = bundle('x', {});
    writeFileSync(path.join(huge, 'index.js'), Buffer.alloc(WORKERS_LIMITS.scriptBytes + 1, 32));
    const tooBig = await failureOf(upload(huge, 'v4'));
    expect(tooBig.type).toBe(NOT_RETRYABLE.INVALID_INPUT);
    expect(tooBig.message).toContain('limit');

    // Under the raw limit but over the compressed one: random bytes do not compress.
    const dense = bundle('x', {});
    writeFileSync(path.join(dense, 'index.js'), randomBytes(WORKERS_LIMITS.scriptGzipBytes + 1024));
    const tooDense = await failureOf(upload(dense, 'v4'));
    expect(tooDense.type).toBe(NOT_RETRYABLE.INVALID_INPUT);
    expect(tooDense.message).toContain('gzipped');

    const wrongSubdomain = await failureOf(
      activities.uploadWorkerVersion({ accountId: cf.accountId, source: { type: 'workers', path: bundle('x', {}), script: 'shop', subdomain: 'someone-else' }, marker: 'm', version: 'v4' }),
    );
    expect(wrongSubdomain.type).toBe(NOT_RETRYABLE.INVALID_INPUT);
    expect(wrongSubdomain.message).toContain('subdomain');
    expect(cf.mutations().filter((m) => m.outcome === 'applied')).toEqual([]);
  });
});
