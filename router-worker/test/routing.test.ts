import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvKeys } from '../../core/kv-records.ts';
import { readJson, startRouter, startUpstream, seedVersion, type RunningRouter, type Upstream } from './harness.ts';

let upstream: Upstream;
let router: RunningRouter;
const HOST = 'shop.apps.nextdeploy.test';

beforeAll(async () => {
  upstream = await startUpstream();
  router = await startRouter({ upstreamPort: upstream.port, adminToken: 'unused' });
  await seedVersion(router.kv, {
    app: 'shop',
    version: 'v1',
    defaultTarget: 'https://shop.pages.dev',
    routes: {
      '/blog': 'https://blog.shop.pages.dev',
      '/blog/archive': 'https://archive.shop.pages.dev',
      '/docs': 'https://docs.shop.pages.dev/base',
      '/caf%C3%A9': 'https://cafe.shop.pages.dev',
      '/__proto__': 'https://proto.shop.pages.dev',
      '/constructor': 'https://ctor.shop.pages.dev',
      '/.well-known': 'https://wellknown.shop.pages.dev',
    },
  }, { live: true });
});

afterAll(async () => {
  await router?.dispose();
  await upstream?.close();
});

/** The URL the upstream was asked for by one request through the router. */
async function upstreamUrlFor(host: string, path: string): Promise<string> {
  const before = upstream.received.length;
  const res = await router.fetch(host, path);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('x-nextdeploy-version')).toBe('v1');
  await res.arrayBuffer();
  expect(upstream.received.length).toBe(before + 1);
  return upstream.received.at(-1)!.url;
}

describe('routing table', () => {
  it.each([
    ['/blog', 'https://blog.shop.pages.dev/blog'],
    ['/blog/', 'https://blog.shop.pages.dev/blog/'],
    ['/blog/post', 'https://blog.shop.pages.dev/blog/post'],
    ['/blogger', 'https://shop.pages.dev/blogger'],
    ['/blog/archive', 'https://archive.shop.pages.dev/blog/archive'],
    ['/blog/archive/2026/', 'https://archive.shop.pages.dev/blog/archive/2026/'],
    ['/blog/archiver', 'https://blog.shop.pages.dev/blog/archiver'],
    ['/docs/guide', 'https://docs.shop.pages.dev/base/docs/guide'],
    ['/', 'https://shop.pages.dev/'],
    ['/other/page', 'https://shop.pages.dev/other/page'],
    ['/blog?x=1&y=%20z', 'https://blog.shop.pages.dev/blog?x=1&y=%20z'],
    ['/blog/post?next=/docs', 'https://blog.shop.pages.dev/blog/post?next=/docs'],
    ['/caf%c3%a9/menu', 'https://cafe.shop.pages.dev/caf%c3%a9/menu'],
    ['/café/menu', 'https://cafe.shop.pages.dev/caf%C3%A9/menu'],
    ['/%62log/post', 'https://blog.shop.pages.dev/%62log/post'],
    ['/blog%2Fpost', 'https://shop.pages.dev/blog%2Fpost'],
    ['/docs/../blog/x', 'https://blog.shop.pages.dev/blog/x'],
    ['/__proto__/x', 'https://proto.shop.pages.dev/__proto__/x'],
    ['/constructor', 'https://ctor.shop.pages.dev/constructor'],
    ['/toString', 'https://shop.pages.dev/toString'],
  ])('%s → %s', async (path, expected) => {
    expect(await upstreamUrlFor(HOST, path)).toBe(expected);
  });
});

describe('host → app (no open proxy)', () => {
  it.each([
    ['SHOP.Apps.NextDeploy.Test', '/blog'],
    ['shop.apps.nextdeploy.test.', '/blog'],
    ['shop.apps.nextdeploy.test:8443', '/blog'],
  ])('serves %s as the app', async (host, path) => {
    expect(await upstreamUrlFor(host, path)).toBe('https://blog.shop.pages.dev/blog');
  });

  it.each([
    'evil.example.com',
    'shop.pages.dev',
    'apps.nextdeploy.test',
    'x.shop.apps.nextdeploy.test',
    'shop.apps.nextdeploy.test.evil.com',
    'shopapps.nextdeploy.test',
    '127.0.0.1',
  ])('refuses %s with 404 unknown_host and never calls upstream', async (host) => {
    const before = upstream.received.length;
    const res = await router.fetch(host, '/blog');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-nextdeploy-error')).toBe('unknown_host');
    expect(await res.text()).toMatch(/not an app/);
    expect(upstream.received.length).toBe(before);
  });

  it('routes by the Host the client sent over HTTP, not by X-Forwarded-Host or an absolute URL', async () => {
    const send = (headers: Record<string, string>, path = '/blog') =>
      new Promise<{ status: number; error: string | undefined }>((resolve, reject) => {
        const req = httpRequest({ host: router.url.hostname, port: router.url.port, path, headers }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, error: res.headers['x-nextdeploy-error'] as string | undefined }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await send({ host: 'evil.example.com', 'x-forwarded-host': HOST })).toEqual({ status: 404, error: 'unknown_host' });
    expect(await send({ host: 'evil.example.com' }, `http://${HOST}/blog`)).toMatchObject({ status: 404 });
    expect(await send({ host: HOST })).toEqual({ status: 200, error: undefined });
  });
});

describe('missing and corrupt records', () => {
  it('answers 404 app_not_found for an app with no active record', async () => {
    const res = await router.fetch('ghost.apps.nextdeploy.test', '/');
    expect(res.status).toBe(404);
    expect(res.headers.get('x-nextdeploy-error')).toBe('app_not_found');
    expect(await res.text()).toBe('Not found: app "ghost" has no live version.\n');
  });

  it.each([
    ['not JSON', '{"schema":1,'],
    ['wrong schema version', JSON.stringify({ schema: 2 })],
    ['a record of another app', null],
    ['a bad route path', null],
  ])('answers 502 record_corrupt (never 500) for %s', async (what, raw) => {
    const app = `corrupt${what.length}`;
    let value = raw;
    if (value === null) {
      await seedVersion(router.kv, { app: 'donor', version: 'v1', defaultTarget: 'https://shop.pages.dev', routes: {} }, { live: true });
      const record = (await readJson(router.kv, kvKeys.active('donor'))) as Record<string, unknown>;
      value = JSON.stringify(what.includes('another') ? record : { ...record, app, routes: [['blog', 'https://shop.pages.dev']] });
    }
    await router.kv.put(kvKeys.active(app), value);
    const res = await router.fetch(`${app}.apps.nextdeploy.test`, '/');
    expect(res.status).toBe(502);
    expect(res.headers.get('x-nextdeploy-error')).toBe('record_corrupt');
    expect(await res.text()).toMatch(/unreadable/);
  });

  it('answers 502 target_refused when a record points outside its allowed hosts', async () => {
    await seedVersion(router.kv, { app: 'tampered', version: 'v1', defaultTarget: 'https://shop.pages.dev', routes: { '/x': 'https://shop.pages.dev' } }, { live: true });
    const record = (await readJson(router.kv, kvKeys.active('tampered'))) as Record<string, unknown>;
    record.routes = [['/x', 'https://evil.example.com']];
    await router.kv.put(kvKeys.active('tampered'), JSON.stringify(record));
    const before = upstream.received.length;
    const res = await router.fetch('tampered.apps.nextdeploy.test', '/x/y');
    expect(res.status).toBe(502);
    expect(res.headers.get('x-nextdeploy-error')).toBe('target_refused');
    expect(res.headers.get('x-nextdeploy-version')).toBe('v1');
    expect(upstream.received.length).toBe(before);
    expect((await router.fetch('tampered.apps.nextdeploy.test', '/z')).status).toBe(200);
  });
});

describe('router endpoints', () => {
  it('answers /__health on any host without reading KV', async () => {
    await router.kvReads(true);
    for (const host of [HOST, 'evil.example.com']) {
      const res = await router.fetch(host, '/__health');
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('ok\n');
    }
    expect((await router.kvReads()).reads).toBe(0);
  });

  it.each(['/.well-known/acme-challenge/tok-123', '/.well-known/pki-validation/fileauth.txt'])(
    'passes %s untouched to the deployment, past the route table',
    async (path) => {
      expect(await upstreamUrlFor(HOST, `${path}?a=b`)).toBe(`https://shop.pages.dev${path}?a=b`);
    },
  );

  it('sends certificate validation to the deployment root even when the default target has a base path', async () => {
    await seedVersion(router.kv, { app: 'based', version: 'v1', defaultTarget: 'https://shop.pages.dev/base', routes: {} }, { live: true });
    expect(await upstreamUrlFor('based.apps.nextdeploy.test', '/.well-known/acme-challenge/t')).toBe('https://shop.pages.dev/.well-known/acme-challenge/t');
    expect(await upstreamUrlFor('based.apps.nextdeploy.test', '/page')).toBe('https://shop.pages.dev/base/page');
  });

  describe('an app whose first deploy is validating its certificate (no live record yet)', () => {
    const entry = (version: string, state: string, deploymentUrl?: string) => ({ version, state, createdAt: '2026-11-25T00:00:00Z', updatedAt: '2026-11-25T00:00:00Z', ...(deploymentUrl ? { deploymentUrl } : {}) });

    it('sends the validation path to the newest pending version\'s deployment, and nothing else anywhere', async () => {
      await router.kv.put(kvKeys.versions('fresh'), JSON.stringify([entry('v0', 'failed', 'https://old.shop.pages.dev'), entry('v1', 'pending', 'https://abc123.shop.pages.dev/')]));
      const before = upstream.received.length;
      const res = await router.fetch('fresh.apps.nextdeploy.test', '/.well-known/acme-challenge/tok-9?x=1');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-nextdeploy-version')).toBe('v1');
      await res.arrayBuffer();
      expect(upstream.received.slice(before).map((r) => r.url)).toEqual(['https://abc123.shop.pages.dev/.well-known/acme-challenge/tok-9?x=1']);
      const page = await router.fetch('fresh.apps.nextdeploy.test', '/');
      expect(page.status).toBe(404);
      expect(page.headers.get('x-nextdeploy-error')).toBe('app_not_found');
      expect(upstream.received.length).toBe(before + 1);
    });

    it.each([
      ['no versions list', null],
      ['only failed and retired versions', JSON.stringify([entry('v1', 'failed', 'https://a.shop.pages.dev'), entry('v2', 'retired', 'https://b.shop.pages.dev')])],
      ['a pending version without a deployment URL', JSON.stringify([entry('v1', 'pending')])],
      ['a pending version on a foreign origin', JSON.stringify([entry('v1', 'pending', 'https://evil.example.com')])],
      ['a pending version on plain http', JSON.stringify([entry('v1', 'pending', 'http://a.shop.pages.dev')])],
      ['a pending version on a pages.dev look-alike', JSON.stringify([entry('v1', 'pending', 'https://a.shop.pages.dev.evil.example')])],
      ['a list that is not JSON', '[{'],
      // Written out: JSON.stringify({ __proto__: … }) would give '{}', not a __proto__ key.
      ['an object with a __proto__ key instead of a list', `{"__proto__":${JSON.stringify([entry('v1', 'pending', 'https://a.shop.pages.dev')])}}`],
    ])('answers 404 app_not_found with %s, asking no upstream', async (_label, raw) => {
      const app = `nolive${Math.random().toString(36).slice(2, 8)}`;
      if (raw !== null) await router.kv.put(kvKeys.versions(app), raw);
      const before = upstream.received.length;
      const res = await router.fetch(`${app}.apps.nextdeploy.test`, '/.well-known/acme-challenge/t');
      expect(res.status).toBe(404);
      expect(res.headers.get('x-nextdeploy-error')).toBe('app_not_found');
      expect(upstream.received.length).toBe(before);
    });
  });

  it('routes other /.well-known paths through the table', async () => {
    expect(await upstreamUrlFor(HOST, '/.well-known/security.txt')).toBe('https://wellknown.shop.pages.dev/.well-known/security.txt');
  });
});

describe('KV reads', () => {
  it('reads exactly one key, the active record, per request when the isolate cache is off', async () => {
    await router.kvReads(true);
    for (let i = 0; i < 5; i++) await (await router.fetch(HOST, `/blog/${i}`)).arrayBuffer();
    await (await router.fetch('ghost.apps.nextdeploy.test', '/')).arrayBuffer();
    expect(await router.kvReads()).toEqual({
      reads: 6,
      keys: [...Array(5).fill('shop:active'), 'ghost:active'],
      lastOptions: { type: 'text', cacheTtl: 60 },
    });
  });
});

describe('isolate cache', () => {
  it('serves its copy for ISOLATE_CACHE_MS, then refreshes in the background, then reads before answering', async () => {
    const cached = await startRouter({ upstreamPort: upstream.port, adminToken: null, vars: { ISOLATE_CACHE_MS: '1000', CACHE_TTL_SECONDS: '300' } });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      const meta = { app: 'cached', defaultTarget: 'https://shop.pages.dev', routes: {} };
      await seedVersion(cached.kv, { ...meta, version: 'v1' }, { live: true });
      const version = async () => {
        const res = await cached.fetch('cached.apps.nextdeploy.test', '/');
        await res.arrayBuffer();
        return res.headers.get('x-nextdeploy-version');
      };
      await cached.kvReads(true);
      const seen = await Promise.all(Array.from({ length: 20 }, version));
      expect(new Set(seen)).toEqual(new Set(['v1']));
      expect(await cached.kvReads()).toMatchObject({ reads: 1, lastOptions: { cacheTtl: 300 } });

      // Fresh: a flip is not seen yet, and KV is not read.
      await seedVersion(cached.kv, { ...meta, version: 'v2' }, { live: true, previousVersion: 'v1' });
      expect(await version()).toBe('v1');
      expect((await cached.kvReads()).reads).toBe(0);

      // Expired less than another 1000 ms ago: the stale copy answers while one read refreshes it.
      await sleep(1100);
      expect(await version()).toBe('v1');
      await expect.poll(version, { timeout: 3000, interval: 20 }).toBe('v2');
      expect((await cached.kvReads()).reads).toBe(1);

      // Idle past both windows: the request waits for its one read and sees the flip at once.
      await seedVersion(cached.kv, { ...meta, version: 'v3' }, { live: true, previousVersion: 'v2' });
      await sleep(2100);
      expect(await version()).toBe('v3');
      expect((await cached.kvReads()).reads).toBe(1);
    } finally {
      await cached.dispose();
    }
  });
});

describe('KV outage', () => {
  it('keeps serving the last known table, and answers 503 (not 500) for an app it never read', async () => {
    const flaky = await startRouter({ upstreamPort: upstream.port, adminToken: null, vars: { ISOLATE_CACHE_MS: '50' } });
    try {
      await seedVersion(flaky.kv, { app: 'steady', version: 'v3', defaultTarget: 'https://shop.pages.dev', routes: {} }, { live: true });
      expect((await flaky.fetch('steady.apps.nextdeploy.test', '/')).status).toBe(200);
      await flaky.fetch('x.test', '/__test/kv-fail?on=1');
      await new Promise((r) => setTimeout(r, 80));
      const stale = await flaky.fetch('steady.apps.nextdeploy.test', '/');
      expect(stale.status).toBe(200);
      expect(stale.headers.get('x-nextdeploy-version')).toBe('v3');
      const cold = await flaky.fetch('never-read.apps.nextdeploy.test', '/');
      expect(cold.status).toBe(503);
      expect(cold.headers.get('x-nextdeploy-error')).toBe('routes_unavailable');
      expect(cold.headers.get('retry-after')).toBe('5');
      expect((await flaky.kvReads()).keys).toEqual(expect.arrayContaining(['steady:active', 'never-read:active']));
    } finally {
      await flaky.dispose();
    }
  });
});
