/** With a state folder, everything survives a restart: token, DNS, KV (Miniflare storage), Pages deployments and their files, domains, workers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Cloudflare from 'cloudflare';
import { afterAll, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { assetHash, until } from './test-support.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-local-state-'));
let cf: LocalCloudflare | undefined;

afterAll(async () => {
  await cf?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('restarts with the same state', async () => {
  cf = await startLocalCloudflare({ stateDir: dir, timing: { domainActivationMs: 100 } });
  const token = cf.token;
  let client = new Cloudflare({ apiToken: token, baseURL: cf.apiBaseUrl, maxRetries: 0 });
  const account_id = cf.accountId;
  const rec = await client.dns.records.create({ zone_id: cf.zone.id, type: 'CNAME', name: 'www', content: 'site.pages.dev', ttl: 1 });
  const ns = await client.kv.namespaces.create({ account_id, title: 'persisted' });
  await client.kv.namespaces.values.update('k', { account_id, namespace_id: ns.id, value: 'survives', metadata: {} });
  await client.pages.projects.create({ account_id, name: 'site', production_branch: 'main' });
  const body = '<h1>persisted page</h1>';
  const h = assetHash(body, 'index.html');
  const { jwt } = await client.pages.projects.getUploadToken('site', { account_id });
  await new Cloudflare({ apiToken: jwt, baseURL: cf.apiBaseUrl, maxRetries: 0 }).pages.assets.upload({
    body: [{ key: h, value: Buffer.from(body).toString('base64'), base64: true, metadata: { contentType: 'text/html' } }],
  });
  const d = await client.pages.projects.deployments.create('site', { account_id, branch: 'main', manifest: JSON.stringify({ '/index.html': h }) });
  await client.pages.projects.domains.create('site', { account_id, name: 'www.nextdeploy.test' });
  await cf.deployWorker({
    name: 'echo',
    modules: [{ name: 'echo.mjs', content: `export default { async fetch(r, env) { return new Response('kv=' + await env.KV.get('k')) } }` }],
    bindings: [{ type: 'kv_namespace', name: 'KV', namespace_id: ns.id }],
    routes: ['echo.nextdeploy.test/*'],
  });
  await until(() => cf!.edgeRequest('site.pages.dev', '/'), (r) => r.status === 200);
  await cf.stop();

  cf = await startLocalCloudflare({ stateDir: dir, timing: { domainActivationMs: 100 } });
  expect(cf.token).toBe(token);
  client = new Cloudflare({ apiToken: token, baseURL: cf.apiBaseUrl, maxRetries: 0 });
  expect((await client.dns.records.get(rec.id, { zone_id: cf.zone.id })).name).toBe('www.nextdeploy.test');
  expect(await (await client.kv.namespaces.values.get('k', { account_id, namespace_id: ns.id })).text()).toBe('survives');
  expect((await client.pages.projects.deployments.get(d.id, { account_id, project_name: 'site' })).latest_stage).toMatchObject({ name: 'deploy', status: 'success' });
  expect((await cf.edgeRequest('site.pages.dev', '/')).body).toBe(body);
  expect((await until(() => cf!.edgeRequest('www.nextdeploy.test', '/'), (r) => r.status === 200)).body).toBe(body);
  expect((await cf.edgeRequest('echo.nextdeploy.test', '/')).body).toBe('kv=survives');
});
