/**
 * Workers Custom Domains through the SDK and the edge: a hostname attached with PUT is answered by
 * the Worker's active deployment at every path; a zone route on the same hostname runs first (as
 * on Cloudflare) and reaches the custom domain's Worker with fetch(request); a new deployment
 * changes what answers; detaching, or deleting the Worker, stops it and removes the DNS record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_PERMISSIONS } from '../core/permissions.generated.ts';
import { workersDomainRoutes } from './handlers/workers-domains.ts';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { emptyState, Store } from './state.ts';

const HOST = 'shop.nextdeploy.test';
let cf: LocalCloudflare;
let client: Cloudflare;

beforeAll(async () => {
  cf = await startLocalCloudflare();
  client = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await cf?.stop();
});

/** A module Worker answering `<text> <path>`, as a multipart upload (what wrangler and the product send). */
function form(text: string): FormData {
  const f = new FormData();
  f.append('metadata', JSON.stringify({ main_module: 'w.mjs', compatibility_date: '2025-01-01' }));
  const code = `export default { fetch(request) { return new Response(${JSON.stringify(text)} + ' ' + new URL(request.url).pathname); } };`;
  f.append('w.mjs', new File([code], 'w.mjs', { type: 'application/javascript+module' }));
  return f;
}

const scripts = () => `/accounts/${cf.accountId}/workers/scripts`;
/** In front of every host of the zone: passes the request on (to the custom domain's Worker, if any) and marks it. */
const FRONT = `export default { async fetch(request) {
  const res = await fetch(request);
  const out = new Response(res.body, res);
  out.headers.set('x-front', 'passed-on');
  return out;
} };`;

async function dnsFor(name: string) {
  const out = [];
  for await (const r of client.dns.records.list({ zone_id: cf.zone.id, name: { exact: name } })) out.push(r);
  return out;
}

async function domainsOf(service: string) {
  const out = [];
  for await (const d of client.workers.domains.list({ account_id: cf.accountId, service })) out.push(d);
  return out;
}

describe('Workers Custom Domains', () => {
  it('serve the deployment; a route Worker on the hostname runs first and reaches it; a new deployment changes what answers; DELETE stops it', async () => {
    const account_id = cf.accountId;
    await client.put(`${scripts()}/shop`, { body: form('shop v1') });
    await cf.deployWorker({ name: 'front', modules: [{ name: 'front.mjs', content: FRONT }], routes: ['*.nextdeploy.test/*'] });
    // Without a custom domain, the route Worker's fetch() of its own zone reaches nothing.
    expect((await cf.edgeRequest(HOST, '/')).status).toBe(502);

    const domain = await client.workers.domains.update({ account_id, hostname: HOST, service: 'shop', zone_id: cf.zone.id });
    expect(domain).toMatchObject({ hostname: HOST, service: 'shop', zone_id: cf.zone.id, zone_name: cf.zone.name, environment: 'production' });
    const first = await cf.edgeRequest(HOST, '/');
    expect(first).toMatchObject({ status: 200, body: 'shop v1 /' });
    expect(first.headers['x-front']).toBe('passed-on');
    expect((await cf.edgeRequest(HOST, '/any/path?q=1')).body).toBe('shop v1 /any/path');

    const [rec, ...more] = await dnsFor(HOST);
    expect(more).toEqual([]);
    expect(rec).toMatchObject({ type: 'AAAA', content: '100::', proxied: true, meta: { read_only: true, origin_worker_id: 'shop' } });

    // A version upload alone serves nothing new; a deployment at 100 % does.
    const uploaded = (await client.post(`${scripts()}/shop/versions`, { body: form('shop v2') })) as { result: { id: string } };
    const v2 = uploaded.result.id;
    expect((await cf.edgeRequest(HOST, '/')).body).toBe('shop v1 /');
    await client.workers.scripts.deployments.create('shop', { account_id, strategy: 'percentage', versions: [{ version_id: v2, percentage: 100 }] });
    expect((await cf.edgeRequest(HOST, '/')).body).toBe('shop v2 /');

    expect((await domainsOf('shop')).map((d) => d.id)).toEqual([domain.id]);
    expect(await client.workers.domains.get(domain.id, { account_id })).toEqual(domain);

    await client.workers.domains.delete(domain.id, { account_id });
    expect((await cf.edgeRequest(HOST, '/')).status).toBe(502);
    expect(await dnsFor(HOST)).toEqual([]);
    const gone = await client.workers.domains.get(domain.id, { account_id }).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(Cloudflare.NotFoundError);
    for await (const r of client.workers.routes.list({ zone_id: cf.zone.id })) await client.workers.routes.delete(r.id, { zone_id: cf.zone.id });
    expect((await cf.edgeRequest(HOST, '/')).status).toBe(404);
  });

  it('a route Worker that answers itself wins over the custom domain on its hostname; the custom domain still answers a Worker fetch()', async () => {
    const account_id = cf.accountId;
    await client.workers.domains.update({ account_id, hostname: HOST, service: 'shop' });
    await cf.deployWorker({ name: 'banner', modules: [{ name: 'b.mjs', content: `export default { fetch() { return new Response('banner') } }` }], routes: [`${HOST}/banner*`] });
    expect((await cf.edgeRequest(HOST, '/banner')).body).toBe('banner');
    const cart = await cf.edgeRequest(HOST, '/cart');
    expect(cart.body).toBe('shop v2 /cart');
    // Straight from the custom domain (no Worker in front): the version the active deployment picks.
    const listed = (await client.get(`${scripts()}/shop/deployments`)) as { result: { deployments: Array<{ versions: Array<{ version_id: string }> }> } };
    expect(cart.headers['x-cf-local-version']).toBe(listed.result.deployments[0]?.versions[0]?.version_id);
    // A Worker's fetch() skips routes (the banner's too) and reaches the custom domain's Worker.
    const caller = `export default { async fetch() { return fetch('https://${HOST}/banner'); } };`;
    await cf.deployWorker({ name: 'caller', modules: [{ name: 'c.mjs', content: caller }], routes: ['caller.nextdeploy.test/*'] });
    expect((await cf.edgeRequest('caller.nextdeploy.test', '/')).body).toBe('shop v2 /banner');
  });

  it('refuses another Worker on the hostname (409 100116) and a hostname with a DNS record of its own (409 100117)', async () => {
    const account_id = cf.accountId;
    const inUse = await client.workers.domains.update({ account_id, hostname: HOST, service: 'banner' }).catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(Cloudflare.ConflictError);
    expect((inUse as InstanceType<typeof Cloudflare.ConflictError>).errors[0]?.code).toBe(100116);
    await client.dns.records.create({ zone_id: cf.zone.id, type: 'A', name: 'legacy.nextdeploy.test', content: '198.51.100.7', ttl: 1, proxied: true });
    const taken = await client.workers.domains.update({ account_id, hostname: 'legacy.nextdeploy.test', service: 'shop' }).catch((e: unknown) => e);
    expect((taken as InstanceType<typeof Cloudflare.ConflictError>).errors[0]?.code).toBe(100117);
    expect(await domainsOf('shop')).toHaveLength(1);
  });

  it("deleting the Worker detaches its domains and removes their DNS records", async () => {
    const account_id = cf.accountId;
    expect(await dnsFor(HOST)).toHaveLength(1);
    await client.workers.scripts.delete('shop', { account_id });
    expect(await domainsOf('shop')).toEqual([]);
    expect(await dnsFor(HOST)).toEqual([]);
    expect((await cf.edgeRequest(HOST, '/cart')).status).toBe(404);
  });
});

describe('Workers Custom Domains state and permissions', () => {
  it('loads a state file written before custom domains with an empty list', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-local-domains-'));
    try {
      const { workerDomains: _, ...older } = emptyState();
      fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(older));
      expect(new Store(dir).data.workerDomains).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("give each route the schema's permission groups (the table the pipeline reads)", () => {
    for (const route of workersDomainRoutes) {
      const op = OPERATION_PERMISSIONS.find((o) => o.method === route.method && o.path === route.template);
      expect(op?.operationId, route.template).toBe(route.operation);
      expect([...route.permissions].sort()).toEqual([...op!.permissionGroups].sort());
    }
  });
});
