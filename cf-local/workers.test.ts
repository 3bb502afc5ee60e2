/**
 * One store, two doors: Workers KV written through the REST API is what a Worker running in the
 * emulator's workerd reads (and the other way round); Workers routes put a Worker in front of
 * hostnames at the edge, and its outbound fetch() reaches Pages deployments in-process.
 */
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { until } from './test-support.ts';

let cf: LocalCloudflare;
let client: Cloudflare;

beforeAll(async () => {
  cf = await startLocalCloudflare({ timing: { buildStepMs: 30 } });
  client = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await cf?.stop();
});

const reader = `export default {
  async fetch(request, env) {
    const key = new URL(request.url).searchParams.get('key');
    if (request.method === 'PUT') { await env.STORE.put(key, await request.text(), { metadata: { by: env.WHO } }); return new Response('ok'); }
    const v = await env.STORE.get(key);
    return new Response(v === null ? 'missing' : v, { status: v === null ? 404 : 200, headers: { 'x-who': env.WHO } });
  },
};`;

it('two workers bound to the same namespace id and the REST API see one store', async () => {
  const ns = await client.kv.namespaces.create({ account_id: cf.accountId, title: 'shared' });
  const binding = (who: string) => [
    { type: 'kv_namespace', name: 'STORE', namespace_id: ns.id },
    { type: 'plain_text', name: 'WHO', text: who },
  ];
  await cf.deployWorker({ name: 'alpha', modules: [{ name: 'alpha.mjs', content: reader }], bindings: binding('alpha'), routes: ['alpha.nextdeploy.test/*'] });
  await cf.deployWorker({ name: 'beta', modules: [{ name: 'beta.mjs', content: reader }], bindings: binding('beta'), routes: ['beta.nextdeploy.test/*'] });

  await client.kv.namespaces.values.update('greeting', { account_id: cf.accountId, namespace_id: ns.id, value: 'from REST', metadata: {} });
  const a = await cf.edgeRequest('alpha.nextdeploy.test', '/?key=greeting');
  expect(a).toMatchObject({ status: 200, body: 'from REST' });
  expect(a.headers['x-who']).toBe('alpha');
  expect((await cf.edgeRequest('beta.nextdeploy.test', '/?key=greeting')).body).toBe('from REST');

  expect((await cf.edgeRequest('beta.nextdeploy.test', '/?key=written', { method: 'PUT', body: 'from beta' })).body).toBe('ok');
  expect((await cf.edgeRequest('alpha.nextdeploy.test', '/?key=written')).body).toBe('from beta');
  const viaRest = await client.kv.namespaces.values.get('written', { account_id: cf.accountId, namespace_id: ns.id });
  expect(await viaRest.text()).toBe('from beta');
  expect(await client.kv.namespaces.metadata.get('written', { account_id: cf.accountId, namespace_id: ns.id })).toEqual({ by: 'beta' });
});

it('a router uploaded over the API (multipart) and routed by pattern proxies to Pages deployments', async () => {
  const ns = await client.kv.namespaces.create({ account_id: cf.accountId, title: 'route-table' });
  const project = await client.pages.projects.create({
    account_id: cf.accountId,
    name: 'shop',
    production_branch: 'main',
    source: { type: 'github', config: { production_branch: 'main' } },
  });
  const d = await client.pages.projects.deployments.create(project.name, { account_id: cf.accountId, branch: 'main' });
  await until(() => client.pages.projects.deployments.get(d.id, { account_id: cf.accountId, project_name: 'shop' }), (x) => x.latest_stage.status === 'success');

  const router = `export default {
    async fetch(request, env) {
      const url = new URL(request.url);
      const app = url.hostname.split('.')[0];
      const target = await env.ROUTES.get('app:' + app);
      if (!target) return new Response('no route for ' + app, { status: 404 });
      const upstream = await fetch(new URL(url.pathname, target));
      const res = new Response(upstream.body, upstream);
      res.headers.set('x-routed-by', 'router');
      return res;
    },
  };`;
  const form = new FormData();
  form.append('metadata', JSON.stringify({ main_module: 'router.mjs', compatibility_date: '2025-01-01', bindings: [{ type: 'kv_namespace', name: 'ROUTES', namespace_id: ns.id }] }));
  form.append('router.mjs', new File([router], 'router.mjs', { type: 'application/javascript+module' }));
  await client.put(`/accounts/${cf.accountId}/workers/scripts/router`, { body: form });
  const route = await client.workers.routes.create({ zone_id: cf.zone.id, pattern: '*.apps.nextdeploy.test/*', script: 'router' });
  const routes = [];
  for await (const r of client.workers.routes.list({ zone_id: cf.zone.id })) routes.push(r.pattern);
  expect(routes).toContain('*.apps.nextdeploy.test/*');

  expect((await cf.edgeRequest('shop.apps.nextdeploy.test', '/')).status).toBe(404);
  await client.kv.namespaces.values.update('app:shop', { account_id: cf.accountId, namespace_id: ns.id, value: `https://${d.short_id}.shop.pages.dev`, metadata: {} });
  const res = await cf.edgeRequest('shop.apps.nextdeploy.test', '/hello');
  expect(res.status).toBe(200);
  expect(res.headers['x-routed-by']).toBe('router');
  expect(res.headers['x-cf-local-deployment']).toBe(d.id);
  expect(res.body).toContain('/hello');

  // No internet from a Worker.
  await client.kv.namespaces.values.update('app:ext', { account_id: cf.accountId, namespace_id: ns.id, value: 'https://example.com', metadata: {} });
  expect((await cf.edgeRequest('ext.apps.nextdeploy.test', '/')).status).toBe(502);

  await client.workers.routes.delete(route.id, { zone_id: cf.zone.id });
  expect((await cf.edgeRequest('shop.apps.nextdeploy.test', '/')).status).toBe(404);
});

it('a script that does not start is refused with 10021 and the previous version keeps running', async () => {
  await cf.deployWorker({ name: 'stable', modules: [{ name: 'w.mjs', content: `export default { fetch() { return new Response('v1') } }` }], routes: ['stable.nextdeploy.test/*'] });
  const form = new FormData();
  form.append('metadata', JSON.stringify({ main_module: 'w.mjs', compatibility_date: '2025-01-01' }));
  form.append('w.mjs', new File(['export default { fetch( }'], 'w.mjs', { type: 'application/javascript+module' }));
  const err = await client.put(`/accounts/${cf.accountId}/workers/scripts/stable`, { body: form }).catch((e: unknown) => e);
  expect((err as InstanceType<typeof Cloudflare.APIError>).status).toBe(400);
  expect((err as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(10021);
  expect((await cf.edgeRequest('stable.nextdeploy.test', '/')).body).toBe('v1');
});

it('a custom domain behind a Worker route validates only when the Worker passes the challenge path through to Pages', async () => {
  const account_id = cf.accountId;
  await client.pages.projects.create({ account_id, name: 'acme', production_branch: 'main', source: { type: 'github', config: { production_branch: 'main' } } });
  const d = await client.pages.projects.deployments.create('acme', { account_id, branch: 'main' });
  const swallow = `export default { fetch() { return new Response('no app here', { status: 404 }) } }`;
  const passOn = `export default { fetch(request) {
    const url = new URL(request.url);
    return fetch('https://${d.short_id}.acme.pages.dev' + url.pathname + url.search);
  } }`;
  await cf.deployWorker({ name: 'gate', modules: [{ name: 'gate.mjs', content: swallow }], routes: ['*.gated.nextdeploy.test/*'] });
  const activationMs = cf.core.timing.domainActivationMs;
  cf.core.timing.domainActivationMs = 200;
  try {
    await client.pages.projects.domains.create('acme', { account_id, name: 'shop.gated.nextdeploy.test' });
    // Its first check is due 200 ms after the attach; wait for its answer rather than a fixed time.
    const stuck = await until(() => client.pages.projects.domains.get('shop.gated.nextdeploy.test', { account_id, project_name: 'acme' }), (x) => x.validation_data.error_message !== undefined);
    expect(stuck.status).toBe('pending');
    expect(stuck.validation_data.error_message).toMatch(/^HTTP validation: GET http:\/\/shop\.gated\.nextdeploy\.test\/\.well-known\/acme-challenge\/\S+ answered 404$/);

    await cf.deployWorker({ name: 'gate', modules: [{ name: 'gate.mjs', content: passOn }], routes: ['*.gated.nextdeploy.test/*'] });
    const active = await until(() => client.pages.projects.domains.get('shop.gated.nextdeploy.test', { account_id, project_name: 'acme' }), (x) => x.status === 'active');
    expect(active.validation_data.error_message).toBeUndefined();
    // The token is Pages' answer for a domain still waiting, and only for it.
    expect((await cf.edgeRequest(`${d.short_id}.acme.pages.dev`, '/.well-known/acme-challenge/not-a-token')).status).toBe(404);
  } finally {
    cf.core.timing.domainActivationMs = activationMs;
  }
});
