import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeRecordSchema, kvKeys, versionsListSchema } from '../../core/kv-records.ts';
import type { Metadata } from '../../core/metadata.ts';
import { readJson, startRouter, startUpstream, seedVersion, type RunningRouter, type Upstream } from './harness.ts';

const TOKEN = 's3cret-admin-token';
let upstream: Upstream;
let router: RunningRouter;

beforeAll(async () => {
  upstream = await startUpstream();
  router = await startRouter({ upstreamPort: upstream.port, adminToken: TOKEN });
});

afterAll(async () => {
  await router?.dispose();
  await upstream?.close();
});

const meta = (app: string, version: string, target = 'https://shop.pages.dev'): Metadata => ({
  app,
  version,
  defaultTarget: target,
  routes: { '/blog': `https://${version}.shop.pages.dev` },
});

function admin(path: string, init: { method?: string; token?: string | null; actor?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  if (init.actor !== undefined) headers['x-nextdeploy-actor'] = init.actor;
  return router.fetch('shop.apps.nextdeploy.test', path, { method: init.method ?? 'GET', headers });
}

async function liveVersionServed(app: string): Promise<string | null> {
  const res = await router.fetch(`${app}.apps.nextdeploy.test`, '/blog/x');
  await res.arrayBuffer();
  return res.headers.get('x-nextdeploy-version');
}

describe('admin authentication', () => {
  it.each([
    ['no Authorization header', null],
    ['a wrong token', 'nope'],
    ['a token that is a prefix', TOKEN.slice(0, -1)],
    ['a token with a suffix', `${TOKEN}x`],
    ['the literal "undefined"', 'undefined'],
  ])('refuses %s with 401', async (_, token) => {
    for (const path of ['/__admin/versions?app=a1', '/__admin/switch?app=a1&version=v1', '/__admin/anything']) {
      const res = await admin(path, { token, method: path.includes('switch') ? 'POST' : 'GET' });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-nextdeploy-error')).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.text()).not.toContain(TOKEN);
    }
  });

  it('refuses another auth scheme', async () => {
    const res = await router.fetch('x.test', '/__admin/versions?app=a1', { headers: { authorization: `Basic ${TOKEN}` } });
    expect(res.status).toBe(401);
  });

  it.each([
    ['unset', null],
    ['empty', ''],
  ])('refuses every admin call when ADMIN_TOKEN is %s', async (_, adminToken) => {
    const other = await startRouter({ upstreamPort: upstream.port, adminToken });
    try {
      for (const authorization of ['Bearer undefined', 'Bearer ', 'Bearer null', `Bearer ${TOKEN}`]) {
        const res = await other.fetch('x.test', '/__admin/versions?app=a1', { headers: { authorization } });
        expect(res.status).toBe(403);
        expect(res.headers.get('x-nextdeploy-error')).toBe('admin_disabled');
        await res.arrayBuffer();
      }
    } finally {
      await other.dispose();
    }
  });
});

describe('admin API', () => {
  it('switches the live version with one record built like the workflow builds it', async () => {
    await seedVersion(router.kv, meta('sw1', 'v1'), { live: true, allowedHosts: ['*.shop.pages.dev', 'shop.pages.dev'] });
    await seedVersion(router.kv, meta('sw1', 'v2'), { state: 'pending' });
    expect(await liveVersionServed('sw1')).toBe('v1');

    const res = await admin('/__admin/switch?app=sw1&version=v2', { method: 'POST', actor: 'alice@example.com' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ app: 'sw1', version: 'v2', changed: true, previousVersion: 'v1', activatedBy: 'admin:alice@example.com' });

    const record = activeRecordSchema.parse(await readJson(router.kv, kvKeys.active('sw1')));
    expect(record).toMatchObject({
      version: 'v2',
      previousVersion: 'v1',
      activatedBy: 'admin:alice@example.com',
      allowedHosts: ['*.shop.pages.dev', 'shop.pages.dev'],
      routes: [['/blog', 'https://v2.shop.pages.dev']],
    });
    expect(Date.parse(record.activatedAt)).toBeGreaterThan(Date.now() - 60_000);
    const versions = versionsListSchema.parse(await readJson(router.kv, kvKeys.versions('sw1')));
    expect(versions.map((v) => [v.version, v.state])).toEqual([['v1', 'retired'], ['v2', 'live']]);
    expect(await liveVersionServed('sw1')).toBe('v2');
    expect(upstream.received.at(-1)!.url).toBe('https://v2.shop.pages.dev/blog/x');

    // Rolling back is the same call with the older version.
    const back = await admin('/__admin/switch?app=sw1&version=v1', { method: 'POST' });
    expect(await back.json()).toMatchObject({ version: 'v1', previousVersion: 'v2', activatedBy: 'admin:router-admin' });
    expect(await liveVersionServed('sw1')).toBe('v1');

    const again = await admin('/__admin/switch?app=sw1&version=v1', { method: 'POST' });
    expect(await again.json()).toMatchObject({ version: 'v1', changed: false });
  });

  it('lists versions and which one is live', async () => {
    await seedVersion(router.kv, meta('ls1', 'v1'), { live: true });
    await seedVersion(router.kv, meta('ls1', 'v2'), { state: 'failed' });
    const res = await admin('/__admin/versions?app=ls1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { live: string; versions: { version: string; state: string; live: boolean }[] };
    expect(body.live).toBe('v1');
    expect(body.versions.map((v) => [v.version, v.state, v.live])).toEqual([['v1', 'live', true], ['v2', 'failed', false]]);
    expect((await admin('/__admin/versions?app=nobody')).status).toBe(404);
  });

  it('answers 404 for an unknown version and 409 for a failed one, changing nothing', async () => {
    await seedVersion(router.kv, meta('bad1', 'v1'), { live: true });
    await seedVersion(router.kv, meta('bad1', 'v2'), { state: 'failed' });
    const before = await router.kv.get(kvKeys.active('bad1'));
    const unknown = await admin('/__admin/switch?app=bad1&version=v9', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-nextdeploy-error')).toBe('unknown_version');
    const failed = await admin('/__admin/switch?app=bad1&version=v2', { method: 'POST' });
    expect(failed.status).toBe(409);
    expect(failed.headers.get('x-nextdeploy-error')).toBe('version_failed');
    const noApp = await admin('/__admin/switch?app=nobody&version=v1', { method: 'POST' });
    expect(noApp.status).toBe(404);
    expect(await router.kv.get(kvKeys.active('bad1'))).toBe(before);
  });

  it('refuses a version whose metadata points outside the allowed hosts', async () => {
    await seedVersion(router.kv, meta('ah1', 'v1'), { live: true, allowedHosts: ['*.shop.pages.dev', 'shop.pages.dev'] });
    await seedVersion(router.kv, meta('ah1', 'v2', 'https://other.pages.dev'), { state: 'pending' });
    const res = await admin('/__admin/switch?app=ah1&version=v2', { method: 'POST' });
    expect(res.status).toBe(409);
    expect(res.headers.get('x-nextdeploy-error')).toBe('version_invalid');
    expect(await res.text()).toMatch(/defaultTarget: target host "other.pages.dev" is not an allowed origin/);
  });

  it('uses ALLOWED_TARGET_HOSTS for an app with no active record yet', async () => {
    await seedVersion(router.kv, meta('first1', 'v1', 'https://first.pages.dev'), { state: 'pending' });
    await seedVersion(router.kv, meta('first2', 'v1', 'https://evil.example.com'), { state: 'pending' });
    const ok = await admin('/__admin/switch?app=first1&version=v1', { method: 'POST' });
    expect(ok.status).toBe(200);
    const record = activeRecordSchema.parse(await readJson(router.kv, kvKeys.active('first1')));
    expect(record).toMatchObject({ allowedHosts: ['*.pages.dev'], previousVersion: null });
    expect((await admin('/__admin/switch?app=first2&version=v1', { method: 'POST' })).status).toBe(409);
  });

  it.each([
    ['/__admin/switch?app=sw1&version=v1', 'GET', 405],
    ['/__admin/versions?app=sw1', 'POST', 405],
    ['/__admin/switch?app=Bad_App&version=v1', 'POST', 400],
    ['/__admin/switch?app=__proto__&version=v1', 'POST', 400],
    ['/__admin/switch?app=sw1&version=../x', 'POST', 400],
    ['/__admin/switch?app=sw1', 'POST', 400],
    ['/__admin/versions', 'GET', 400],
    ['/__admin/constructor?app=sw1', 'GET', 404],
    ['/__admin/', 'GET', 404],
  ])('%s with %s → %i', async (path, method, status) => {
    const res = await admin(path, { method });
    expect(res.status).toBe(status);
    await res.arrayBuffer();
  });

  it('switches the constructor app like any other (user input keys are plain data)', async () => {
    await seedVersion(router.kv, meta('constructor', 'v1'), { live: true });
    await seedVersion(router.kv, meta('constructor', 'v2'));
    expect((await admin('/__admin/switch?app=constructor&version=v2', { method: 'POST' })).status).toBe(200);
    expect(await liveVersionServed('constructor')).toBe('v2');
  });

  it('answers 503 when KV fails, and a failed flip changes nothing', async () => {
    await seedVersion(router.kv, meta('kvdown', 'v1'), { live: true });
    await seedVersion(router.kv, meta('kvdown', 'v2'));
    const before = await router.kv.get(kvKeys.active('kvdown'));
    try {
      await router.fetch('x.test', '/__test/kv-fail?on=1&writes=1');
      const write = await admin('/__admin/switch?app=kvdown&version=v2', { method: 'POST' });
      expect(write.status).toBe(503);
      expect(write.headers.get('x-nextdeploy-error')).toBe('routes_unavailable');
      expect(await write.text()).toMatch(/nothing changed/);
      await router.fetch('x.test', '/__test/kv-fail?on=1');
      const read = await admin('/__admin/versions?app=kvdown');
      expect(read.status).toBe(503);
      await read.arrayBuffer();
    } finally {
      await router.fetch('x.test', '/__test/kv-fail?on=0');
    }
    expect(await router.kv.get(kvKeys.active('kvdown'))).toBe(before);
    expect(await liveVersionServed('kvdown')).toBe('v1');
  });
});
