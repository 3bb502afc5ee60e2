/** Scripted faults, the mutation log, rate limiting and request counters, seen through the SDK. */
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';

let cf: LocalCloudflare;
let client: Cloudflare;

beforeAll(async () => {
  cf = await startLocalCloudflare();
  client = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await cf?.stop();
});
beforeEach(async () => {
  await cf.reset();
});

const dnsRecords = async () => {
  const out = [];
  for await (const r of client.dns.records.list({ zone_id: cf.zone.id })) out.push(r);
  return out;
};

it('a 429 with Retry-After on DNS create, once: the retrying SDK ends with exactly one record', async () => {
  cf.addFault({ method: 'POST', path: '/zones/{zone_id}/dns_records', status: 429, retryAfter: 1, count: 1 });
  const retrying = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl, maxRetries: 2 });
  const started = Date.now();
  const rec = await retrying.dns.records.create({ zone_id: cf.zone.id, type: 'CNAME', name: 'app', content: 'app.pages.dev', ttl: 1, proxied: true });
  expect(Date.now() - started).toBeGreaterThanOrEqual(900); // honoured Retry-After: 1
  expect((await dnsRecords()).map((r) => r.id)).toEqual([rec.id]);
  const log = cf.mutations().filter((m) => m.operation === 'dns.records.create');
  expect(log.map((m) => [m.status, m.outcome])).toEqual([
    [429, 'fault'],
    [200, 'applied'],
  ]);
  // A retry after success hits the duplicate rule: still exactly one record.
  const dup = await client.dns.records.create({ zone_id: cf.zone.id, type: 'CNAME', name: 'app', content: 'app.pages.dev', ttl: 1, proxied: true }).catch((e: unknown) => e);
  expect((dup as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(81058);
  expect(await dnsRecords()).toHaveLength(1);
  expect(cf.mutations().filter((m) => m.outcome === 'applied')).toHaveLength(1);
});

it('bad input changes nothing: the mutation log shows only rejections', async () => {
  const before = cf.state();
  const attempts = [
    client.dns.records.create({ zone_id: cf.zone.id, type: 'A', name: 'bad', content: 'not-an-ip', ttl: 1 }),
    client.dns.records.create({ zone_id: cf.zone.id, type: 'A', name: 'bad', content: '192.0.2.1', ttl: 5 }),
    client.pages.projects.create({ account_id: cf.accountId, name: 'Not_Valid', production_branch: 'main' }),
    client.kv.namespaces.create({ account_id: cf.accountId, title: '' }),
  ];
  for (const a of attempts) {
    const err = await a.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Cloudflare.BadRequestError);
  }
  const log = cf.mutations();
  expect(log).toHaveLength(4);
  expect(log.every((m) => m.outcome === 'rejected' && m.status === 400)).toBe(true);
  expect(cf.state()).toEqual(before);
});

it('connection reset, latency and hang faults', async () => {
  cf.addFault({ operation: 'zones.get', reset: true, count: 1 });
  const reset = await client.zones.get({ zone_id: cf.zone.id }).catch((e: unknown) => e);
  expect(reset).toBeInstanceOf(Cloudflare.APIConnectionError);
  expect((await client.zones.get({ zone_id: cf.zone.id })).name).toBe('nextdeploy.test');

  cf.addFault({ operation: 'zones.get', latencyMs: 300, count: 1 });
  const t0 = Date.now();
  await client.zones.get({ zone_id: cf.zone.id });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(280);

  cf.addFault({ method: 'GET', path: '/zones/*', hang: true, count: 1 });
  const impatient = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl, maxRetries: 0, timeout: 400 });
  const hung = await impatient.zones.get({ zone_id: cf.zone.id }).catch((e: unknown) => e);
  expect(hung).toBeInstanceOf(Cloudflare.APIConnectionTimeoutError);

  cf.addFault({ operation: 'pages.projects.create', status: 500, rate: 1, count: 1 });
  const five = await client.pages.projects.create({ account_id: cf.accountId, name: 'x', production_branch: 'main' }).catch((e: unknown) => e);
  expect((five as InstanceType<typeof Cloudflare.APIError>).status).toBe(500);
  expect(cf.state().projects).toEqual([]);
});

it('a fault can pick one bulk call out of many by what its body names', async () => {
  const ns = await client.kv.namespaces.create({ account_id: cf.accountId, title: 'bulk-faults' });
  cf.addFault({ method: 'PUT', path: '/accounts/*/storage/kv/namespaces/*/bulk', bodyIncludes: '"app-b:active"', status: 500, count: 1 });
  const write = (app: string) => client.kv.namespaces.bulkUpdate(ns.id, { account_id: cf.accountId, body: [{ key: `${app}:active`, value: '{}' }] });
  await expect(write('app-a')).resolves.toMatchObject({ successful_key_count: 1 });
  await expect(write('app-b')).rejects.toMatchObject({ status: 500 });
  await expect(write('app-b')).resolves.toMatchObject({ successful_key_count: 1 });
});

it('faults can be scripted over the control API', async () => {
  const res = await fetch(`${cf.controlUrl}/faults`, {
    method: 'POST',
    body: JSON.stringify({ operation: 'kv.namespaces.list', status: 503, code: 10013, message: 'unavailable', count: 1 }),
  });
  expect(res.status).toBe(201);
  const err = await client.kv.namespaces.list({ account_id: cf.accountId }).catch((e: unknown) => e);
  expect((err as InstanceType<typeof Cloudflare.APIError>).status).toBe(503);
  expect((await fetch(`${cf.controlUrl}/faults`).then((r) => r.json())) as unknown[]).toEqual([]);
  const mutations = (await fetch(`${cf.controlUrl}/mutations`).then((r) => r.json())) as unknown[];
  expect(mutations).toEqual([]);
});

it('rate limits per token with 429, code 971 and Cloudflare headers; counts requests', async () => {
  cf.setRateLimit({ requests: 3, windowMs: 60_000 });
  try {
    const raw = async () => fetch(`${cf.apiBaseUrl}/zones/${cf.zone.id}`, { headers: { authorization: `Bearer ${cf.token}` } });
    for (let i = 0; i < 3; i++) {
      const r = await raw();
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit')).toMatch(new RegExp(`^"default";r=${2 - i};t=\\d+$`));
      expect(r.headers.get('ratelimit-policy')).toBe('"default";q=3;w=60');
    }
    const limited = await raw();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { errors: Array<{ code: number }> }).errors[0]!.code).toBe(971);
    const sdkErr = await client.zones.get({ zone_id: cf.zone.id }).catch((e: unknown) => e);
    expect(sdkErr).toBeInstanceOf(Cloudflare.RateLimitError);
    expect(cf.requestCount()).toBe(5);
  } finally {
    cf.setRateLimit({ requests: 1200, windowMs: 300_000 });
  }
});
