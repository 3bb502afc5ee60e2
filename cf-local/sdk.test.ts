/**
 * The local Cloudflare through the official `cloudflare` SDK (its `baseURL` option), never mocked:
 * tokens, zones, DNS, KV, Pages projects/deployments/domains, permissions and pagination.
 */
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { STAGES } from './state.ts';

let cf: LocalCloudflare;
let client: Cloudflare;
const LIMITED = 'limited-token-value-0123456789abcdefghij';
const EXPIRED = 'expired-token-value-0123456789abcdefghij';

beforeAll(async () => {
  cf = await startLocalCloudflare({
    tokens: [
      { value: LIMITED, name: 'pages-only', permissionGroups: ['Pages Write', 'Workers KV Storage Write', 'Zone Read'] },
      { value: EXPIRED, name: 'expired', status: 'expired' },
    ],
    timing: { buildStepMs: 60, domainActivationMs: 400 },
  });
  client = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl, maxRetries: 0 });
});

afterAll(async () => {
  await cf?.stop();
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`condition not met: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('tokens', () => {
  it('verifies the default token and reads its permission groups', async () => {
    const v = await client.user.tokens.verify();
    expect(v.status).toBe('active');
    const av = await client.accounts.tokens.verify({ account_id: cf.accountId });
    expect(av.id).toBe(v.id);
    const details = await client.user.tokens.get(v.id);
    const names = (details.policies ?? []).flatMap((p) => p.permission_groups.map((g) => g.name));
    expect(names).toContain('Pages Write');
    expect(names).toContain('DNS Write');
    const groups = [];
    for await (const g of client.user.tokens.permissionGroups.list()) groups.push(g.name);
    expect(groups).toContain('Workers KV Storage Write');
  });

  it('refuses an unknown or expired token with 401 code 1000', async () => {
    for (const apiToken of ['not-a-token', EXPIRED]) {
      const bad = new Cloudflare({ apiToken, baseURL: cf.apiBaseUrl, maxRetries: 0 });
      const err = await bad.user.tokens.verify().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(Cloudflare.AuthenticationError);
      expect((err as InstanceType<typeof Cloudflare.APIError>).errors[0]).toMatchObject({ code: 1000 });
    }
  });

  it('answers 403 code 10000 when the token lacks the permission', async () => {
    const limited = new Cloudflare({ apiToken: LIMITED, baseURL: cf.apiBaseUrl, maxRetries: 0 });
    expect((await limited.user.tokens.verify()).status).toBe('active');
    const err = await limited.dns.records
      .create({ zone_id: cf.zone.id, type: 'A', name: 'x', content: '192.0.2.1', ttl: 1 })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Cloudflare.PermissionDeniedError);
    expect((err as InstanceType<typeof Cloudflare.APIError>).errors[0]).toMatchObject({ code: 10000, message: 'Authentication error' });
    // …and what it holds works: Zone Read lists zones, Pages Write creates projects.
    const zones = [];
    for await (const z of limited.zones.list()) zones.push(z.name);
    expect(zones).toEqual(['nextdeploy.test']);
    await limited.pages.projects.create({ account_id: cf.accountId, name: 'limited-proj', production_branch: 'main' });
  });
});

describe('zones', () => {
  it('gets and lists the active zone by name and status', async () => {
    const z = await client.zones.get({ zone_id: cf.zone.id });
    expect(z).toMatchObject({ id: cf.zone.id, name: 'nextdeploy.test', status: 'active' });
    const found = [];
    for await (const x of client.zones.list({ name: 'nextdeploy.test', status: 'active' })) found.push(x.id);
    expect(found).toEqual([cf.zone.id]);
    const none = [];
    for await (const x of client.zones.list({ name: 'example.com' })) none.push(x.id);
    expect(none).toEqual([]);
  });
});

describe('DNS records', () => {
  it('creates, filters, edits, overwrites and deletes; duplicates get the real codes', async () => {
    const zone_id = cf.zone.id;
    const a = await client.dns.records.create({ zone_id, type: 'CNAME', name: 'shop', content: 'shop.pages.dev', ttl: 1, proxied: true });
    expect(a).toMatchObject({ name: 'shop.nextdeploy.test', type: 'CNAME', content: 'shop.pages.dev', proxied: true, proxiable: true });
    const dup = await client.dns.records.create({ zone_id, type: 'CNAME', name: 'shop.nextdeploy.test', content: 'shop.pages.dev', ttl: 1 }).catch((e: unknown) => e);
    expect((dup as InstanceType<typeof Cloudflare.APIError>).status).toBe(400);
    expect((dup as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(81058);
    const clash = await client.dns.records.create({ zone_id, type: 'A', name: 'shop', content: '192.0.2.7', ttl: 1 }).catch((e: unknown) => e);
    expect((clash as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(81054);
    await client.dns.records.create({ zone_id, type: 'TXT', name: 'shop', content: 'hello', ttl: 300 });

    const byName = [];
    for await (const r of client.dns.records.list({ zone_id, name: { exact: 'shop.nextdeploy.test' } })) byName.push(r.type);
    expect(byName.sort()).toEqual(['CNAME', 'TXT']);
    const byType = [];
    for await (const r of client.dns.records.list({ zone_id, name: { exact: 'shop.nextdeploy.test' }, type: 'CNAME' })) byType.push(r.id);
    expect(byType).toEqual([a.id]);

    const edited = await client.dns.records.edit(a.id, { zone_id, type: 'CNAME', name: 'shop.nextdeploy.test', content: 'shop2.pages.dev', ttl: 1 });
    expect(edited).toMatchObject({ content: 'shop2.pages.dev', proxied: true });
    const replaced = await client.dns.records.update(a.id, { zone_id, type: 'CNAME', name: 'shop', content: 'shop3.pages.dev', ttl: 120, proxied: false });
    expect(replaced).toMatchObject({ content: 'shop3.pages.dev', ttl: 120, proxied: false });
    expect(await client.dns.records.delete(a.id, { zone_id })).toEqual({ id: a.id });
    const gone = await client.dns.records.get(a.id, { zone_id }).catch((e: unknown) => e);
    expect((gone as InstanceType<typeof Cloudflare.APIError>).status).toBe(404);
  });

  it('pages through many records until an empty page', async () => {
    const zone_id = cf.zone.id;
    for (let i = 0; i < 7; i++) await client.dns.records.create({ zone_id, type: 'A', name: `bulk${i}`, content: `192.0.2.${i + 1}`, ttl: 1 });
    const page1 = await client.dns.records.list({ zone_id, per_page: 3, name: { startswith: 'bulk' } });
    expect(page1.result).toHaveLength(3);
    expect(page1.result_info).toMatchObject({ page: 1, per_page: 3, total_count: 7, total_pages: 3 });
    const all = [];
    for await (const r of client.dns.records.list({ zone_id, per_page: 3, name: { startswith: 'bulk' } })) all.push(r.name);
    expect(all).toHaveLength(7);
  });
});

describe('Workers KV', () => {
  it('creates namespaces, puts/gets values with metadata and expiration, lists keys by prefix and cursor', async () => {
    const account_id = cf.accountId;
    const ns = await client.kv.namespaces.create({ account_id, title: 'routes-test' });
    const dup = await client.kv.namespaces.create({ account_id, title: 'routes-test' }).catch((e: unknown) => e);
    expect((dup as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(10014);
    const listed = [];
    for await (const n of client.kv.namespaces.list({ account_id })) listed.push(n.title);
    expect(listed).toContain('routes-test');

    const exp = Math.floor(Date.now() / 1000) + 3600;
    await client.kv.namespaces.values.update('app/one', { account_id, namespace_id: ns.id, value: '{"v":1}', metadata: { version: 'v1' }, expiration: exp });
    const res = await client.kv.namespaces.values.get('app/one', { account_id, namespace_id: ns.id });
    expect(await res.text()).toBe('{"v":1}');
    expect(await client.kv.namespaces.metadata.get('app/one', { account_id, namespace_id: ns.id })).toEqual({ version: 'v1' });

    await client.kv.namespaces.bulkUpdate(ns.id, {
      account_id,
      body: Array.from({ length: 25 }, (_, i) => ({ key: `bulk/${String(i).padStart(2, '0')}`, value: `v${i}` })),
    });
    const keys: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.kv.namespaces.keys.list(ns.id, { account_id, prefix: 'bulk/', limit: 10, ...(cursor ? { cursor } : {}) });
      keys.push(...page.result.map((k) => k.name));
      cursor = (page.result_info as { cursor?: string }).cursor || undefined;
      pages++;
    } while (cursor);
    expect(keys).toHaveLength(25);
    expect(pages).toBe(3);
    const withMeta = [];
    for await (const k of client.kv.namespaces.keys.list(ns.id, { account_id, prefix: 'app/' })) withMeta.push(k);
    expect(withMeta).toEqual([{ name: 'app/one', expiration: exp, metadata: { version: 'v1' } }]);

    await client.kv.namespaces.bulkDelete(ns.id, { account_id, body: ['bulk/00', 'bulk/01'] });
    await client.kv.namespaces.values.delete('app/one', { account_id, namespace_id: ns.id });
    const missing = await client.kv.namespaces.values.get('app/one', { account_id, namespace_id: ns.id }).catch((e: unknown) => e);
    expect((missing as InstanceType<typeof Cloudflare.APIError>).status).toBe(404);
    expect((missing as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(10009);
  });

  it('gives the real errors for a long key, a large value and an unknown namespace', async () => {
    const account_id = cf.accountId;
    const ns = await client.kv.namespaces.create({ account_id, title: 'limits' });
    const longKey = await client.kv.namespaces.values
      .update('k'.repeat(513), { account_id, namespace_id: ns.id, value: 'x', metadata: {} })
      .catch((e: unknown) => e);
    expect((longKey as InstanceType<typeof Cloudflare.APIError>).status).toBe(414);
    expect((longKey as InstanceType<typeof Cloudflare.APIError>).message).toContain('exceeds key length limit of 512');
    const big = await client.kv.namespaces.values
      .update('big', { account_id, namespace_id: ns.id, value: 'x'.repeat(25 * 1024 * 1024 + 1), metadata: {} })
      .catch((e: unknown) => e);
    expect((big as InstanceType<typeof Cloudflare.APIError>).status).toBe(413);
    const unknown = await client.kv.namespaces.get('0'.repeat(32), { account_id }).catch((e: unknown) => e);
    expect((unknown as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(10013);
  });
});

describe('Pages', () => {
  it('creates, gets and lists projects; unknown project → 8000007', async () => {
    const account_id = cf.accountId;
    const p = await client.pages.projects.create({ account_id, name: 'docs', production_branch: 'main' });
    expect(p).toMatchObject({ name: 'docs', subdomain: 'docs.pages.dev', production_branch: 'main', latest_deployment: null });
    const dup = await client.pages.projects.create({ account_id, name: 'docs', production_branch: 'main' }).catch((e: unknown) => e);
    expect((dup as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(8000002);
    expect((await client.pages.projects.get('docs', { account_id })).id).toBe(p.id);
    const names = [];
    for await (const x of client.pages.projects.list({ account_id })) names.push(x.name);
    expect(names).toContain('docs');
    const missing = await client.pages.projects.get('nope', { account_id }).catch((e: unknown) => e);
    expect((missing as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(8000007);
  });

  it('deploys a git branch through the stages, serves it, retries, rolls back and deletes', async () => {
    const account_id = cf.accountId;
    await client.pages.projects.create({
      account_id,
      name: 'gitsite',
      production_branch: 'main',
      source: { type: 'github', config: { owner: 'acme', repo_name: 'gitsite', production_branch: 'main' } },
    });
    const d1 = await client.pages.projects.deployments.create('gitsite', { account_id, branch: 'main' });
    expect(d1).toMatchObject({ environment: 'production', project_name: 'gitsite', url: `https://${d1.short_id}.gitsite.pages.dev` });
    expect(d1.short_id).toBe(d1.id.slice(0, 8));
    expect(['queued', 'initialize']).toContain(d1.latest_stage.name);
    const done = await until(
      () => client.pages.projects.deployments.get(d1.id, { account_id, project_name: 'gitsite' }),
      (d) => d.latest_stage.name === 'deploy' && d.latest_stage.status === 'success',
    );
    expect(done.stages.map((s) => s.name)).toEqual(['queued', 'initialize', 'clone_repo', 'build', 'deploy']);
    const prod = await cf.edgeRequest('gitsite.pages.dev', '/');
    expect(prod.status).toBe(200);
    expect(prod.headers['x-cf-local-deployment']).toBe(d1.id);
    expect(prod.body).toContain(d1.id);

    // A preview branch gets its alias; a failing build never goes live.
    const pv = await client.pages.projects.deployments.create('gitsite', { account_id, branch: 'feature/New' });
    expect(pv.environment).toBe('preview');
    expect(pv.aliases).toEqual(['https://feature-new.gitsite.pages.dev']);
    cf.failBuilds({ project: 'gitsite', branch: 'main', count: 1 });
    const bad = await client.pages.projects.deployments.create('gitsite', { account_id, branch: 'main' });
    const failed = await until(
      () => client.pages.projects.deployments.get(bad.id, { account_id, project_name: 'gitsite' }),
      (d) => d.latest_stage.status === 'failure',
    );
    expect(failed.latest_stage.name).toBe('build');
    await until(() => cf.edgeRequest('feature-new.gitsite.pages.dev', '/'), (r) => r.status === 200);
    expect((await cf.edgeRequest('gitsite.pages.dev', '/')).headers['x-cf-local-deployment']).toBe(d1.id);
    expect((await cf.edgeRequest(`${bad.short_id}.gitsite.pages.dev`, '/')).status).toBe(404);

    const retried = await client.pages.projects.deployments.retry(bad.id, { account_id, project_name: 'gitsite', body: {} } as never);
    expect(retried.id).not.toBe(bad.id);
    await until(() => cf.edgeRequest('gitsite.pages.dev', '/'), (r) => r.headers['x-cf-local-deployment'] === retried.id);

    await client.pages.projects.deployments.rollback(d1.id, { account_id, project_name: 'gitsite', body: {} } as never);
    expect((await cf.edgeRequest('gitsite.pages.dev', '/')).headers['x-cf-local-deployment']).toBe(d1.id);
    const live = await client.pages.projects.get('gitsite', { account_id });
    expect(live.canonical_deployment?.id).toBe(d1.id);

    const all = [];
    for await (const d of client.pages.projects.deployments.list('gitsite', { account_id })) all.push(d.id);
    expect(all).toHaveLength(4);
    const prodOnly = [];
    for await (const d of client.pages.projects.deployments.list('gitsite', { account_id, env: 'production' })) prodOnly.push(d.id);
    expect(prodOnly).toHaveLength(3);

    const refuse = await client.pages.projects.deployments.delete(d1.id, { account_id, project_name: 'gitsite' }).catch((e: unknown) => e);
    expect((refuse as InstanceType<typeof Cloudflare.APIError>).status).toBe(400);
    await client.pages.projects.deployments.delete(bad.id, { account_id, project_name: 'gitsite' });
    const gone = await client.pages.projects.deployments.get(bad.id, { account_id, project_name: 'gitsite' }).catch((e: unknown) => e);
    expect((gone as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(8000009);
  });

  it('a rollback asked for in the millisecond a newer build finishes keeps the rolled-back deployment live', async () => {
    const account_id = cf.accountId;
    const realNow = cf.core.now;
    let clock = Date.now();
    cf.core.now = () => clock;
    try {
      await client.pages.projects.create({ account_id, name: 'tie', production_branch: 'main', source: { type: 'github', config: { production_branch: 'main' } } });
      const older = await client.pages.projects.deployments.create('tie', { account_id, branch: 'main' });
      clock += 60_000;
      const newer = await client.pages.projects.deployments.create('tie', { account_id, branch: 'main' });
      clock += 60_000;
      expect((await client.pages.projects.get('tie', { account_id })).canonical_deployment?.id).toBe(newer.id);
      // Pin the clock to the exact millisecond the newer build finished.
      const finishedAt = Date.parse(newer.created_on) + STAGES.length * cf.core.timing.buildStepMs;
      clock = finishedAt;
      expect((await client.pages.projects.get('tie', { account_id })).canonical_deployment?.id).toBe(newer.id);
      await client.pages.projects.deployments.rollback(older.id, { account_id, project_name: 'tie', body: {} } as never);
      expect((await client.pages.projects.get('tie', { account_id })).canonical_deployment?.id).toBe(older.id);
    } finally {
      cf.core.now = realNow;
    }
  });

  it('adds custom domains that activate after the delay, or stay pending when a scenario says so', async () => {
    const account_id = cf.accountId;
    await client.pages.projects.create({ account_id, name: 'dom', production_branch: 'main', source: { type: 'github', config: { production_branch: 'main' } } });
    const d = await client.pages.projects.deployments.create('dom', { account_id, branch: 'main' });
    const created = await client.pages.projects.domains.create('dom', { account_id, name: 'www.nextdeploy.test' });
    expect(['initializing', 'pending']).toContain(created.status);
    expect(created.zone_tag).toBe(cf.zone.id);
    expect(created.validation_data.method).toBe('http');
    const dup = await client.pages.projects.domains.create('dom', { account_id, name: 'www.nextdeploy.test' }).catch((e: unknown) => e);
    expect((dup as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(8000018);
    expect((await cf.edgeRequest('www.nextdeploy.test', '/')).status).toBe(522);
    await until(() => client.pages.projects.domains.get('www.nextdeploy.test', { account_id, project_name: 'dom' }), (x) => x.status === 'active');
    const served = await until(() => cf.edgeRequest('www.nextdeploy.test', '/'), (r) => r.status === 200);
    expect(served.headers['x-cf-local-deployment']).toBe(d.id);

    cf.domainScenario({ domain: 'stuck.nextdeploy.test', mode: 'stuck' });
    await client.pages.projects.domains.create('dom', { account_id, name: 'stuck.nextdeploy.test' });
    await new Promise((r) => setTimeout(r, 600));
    expect((await client.pages.projects.domains.get('stuck.nextdeploy.test', { account_id, project_name: 'dom' })).status).toBe('pending');
    expect((await cf.edgeRequest('stuck.nextdeploy.test', '/')).status).toBe(522);

    const list = [];
    for await (const x of client.pages.projects.domains.list('dom', { account_id })) list.push(x.name);
    expect(list.sort()).toEqual(['stuck.nextdeploy.test', 'www.nextdeploy.test']);
    await client.pages.projects.domains.delete('stuck.nextdeploy.test', { account_id, project_name: 'dom' });
    const gone = await client.pages.projects.domains.get('stuck.nextdeploy.test', { account_id, project_name: 'dom' }).catch((e: unknown) => e);
    expect((gone as InstanceType<typeof Cloudflare.APIError>).status).toBe(404);
  });
});

describe('custom domain errors', () => {
  it('a domain scenario in error mode reports the validation error and never serves', async () => {
    const account_id = cf.accountId;
    await client.pages.projects.create({ account_id, name: 'errdom', production_branch: 'main', source: { type: 'github', config: { production_branch: 'main' } } });
    cf.domainScenario({ domain: '*.broken.nextdeploy.test', mode: 'error' });
    const d = await client.pages.projects.domains.create('errdom', { account_id, name: 'a.broken.nextdeploy.test' });
    expect(d.status).toBe('error');
    expect(d.validation_data.status).toBe('error');
    expect(d.validation_data.error_message).toBeTruthy();
    expect((await cf.edgeRequest('a.broken.nextdeploy.test', '/')).status).toBe(522);
  });
});
