/** Pages Direct Upload end to end through the SDK (upload JWT → check-missing → upload → upsert-hashes → manifest deployment), then the files from the edge by Host header. */
import Cloudflare, { toFile } from 'cloudflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { assetHash, until } from './test-support.ts';

let cf: LocalCloudflare;
let client: Cloudflare;

beforeAll(async () => {
  cf = await startLocalCloudflare();
  client = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await cf?.stop();
});

const files: Record<string, { body: string; type: string }> = {
  '/index.html': { body: '<h1>v1 home</h1>', type: 'text/html' },
  '/about.html': { body: '<h1>about</h1>', type: 'text/html' },
  '/blog/index.html': { body: '<h1>blog</h1>', type: 'text/html' },
  '/404.html': { body: '<h1>custom not found</h1>', type: 'text/html' },
  '/assets/app.css': { body: 'body { color: red }', type: 'text/css' },
};

async function upload(project: string, set: Record<string, { body: string; type: string }>): Promise<Record<string, string>> {
  const { jwt } = await client.pages.projects.getUploadToken(project, { account_id: cf.accountId });
  const assets = new Cloudflare({ apiToken: jwt, baseURL: cf.apiBaseUrl, maxRetries: 0 });
  const manifest: Record<string, string> = {};
  for (const [p, f] of Object.entries(set)) manifest[p] = assetHash(f.body, p);
  const hashes = Object.values(manifest);
  const missing: string[] = [];
  for await (const h of assets.pages.assets.checkMissing({ hashes })) missing.push(h);
  await assets.pages.assets.upload({
    body: Object.entries(set)
      .filter(([p]) => missing.includes(manifest[p]!))
      .map(([p, f]) => ({ key: manifest[p]!, value: Buffer.from(f.body).toString('base64'), base64: true, metadata: { contentType: f.type } })),
  });
  await assets.pages.assets.upsertHashes({ hashes });
  return manifest;
}

it('uploads, deploys by manifest and serves the files at the edge', async () => {
  await client.pages.projects.create({ account_id: cf.accountId, name: 'blog', production_branch: 'main' });
  const manifest = await upload('blog', files);

  // A second check-missing finds nothing missing: the assets are content-addressed.
  const { jwt } = await client.pages.projects.getUploadToken('blog', { account_id: cf.accountId });
  const again = [];
  for await (const h of new Cloudflare({ apiToken: jwt, baseURL: cf.apiBaseUrl, maxRetries: 0 }).pages.assets.checkMissing({ hashes: Object.values(manifest) })) again.push(h);
  expect(again).toEqual([]);

  const d = await client.pages.projects.deployments.create('blog', { account_id: cf.accountId, branch: 'main', manifest: JSON.stringify(manifest), commit_message: 'v1' });
  expect(d.deployment_trigger.type).toBe('ad_hoc');
  await until(() => client.pages.projects.deployments.get(d.id, { account_id: cf.accountId, project_name: 'blog' }), (x) => x.latest_stage.name === 'deploy' && x.latest_stage.status === 'success');

  const home = await cf.edgeRequest('blog.pages.dev', '/');
  expect(home).toMatchObject({ status: 200, body: '<h1>v1 home</h1>' });
  expect(home.headers['x-cf-local-deployment']).toBe(d.id);
  expect(home.headers['content-type']).toContain('text/html');
  expect((await cf.edgeRequest('blog.pages.dev', '/about')).body).toBe('<h1>about</h1>');
  expect((await cf.edgeRequest('blog.pages.dev', '/blog/')).body).toBe('<h1>blog</h1>');
  expect((await cf.edgeRequest('blog.pages.dev', '/blog')).body).toBe('<h1>blog</h1>');
  const css = await cf.edgeRequest('blog.pages.dev', '/assets/app.css');
  expect(css.headers['content-type']).toContain('text/css');
  const missing = await cf.edgeRequest('blog.pages.dev', '/nope');
  expect(missing).toMatchObject({ status: 404, body: '<h1>custom not found</h1>' });
  expect((await cf.edgeRequest(`${d.short_id}.blog.pages.dev`, '/')).body).toBe('<h1>v1 home</h1>');

  // A preview deployment of v2 is served on its own hosts; production stays on v1.
  const v2 = await upload('blog', { ...files, '/index.html': { body: '<h1>v2 home</h1>', type: 'text/html' } });
  const p = await client.pages.projects.deployments.create('blog', { account_id: cf.accountId, branch: 'next', manifest: JSON.stringify(v2) });
  await until(() => cf.edgeRequest(`${p.short_id}.blog.pages.dev`, '/'), (r) => r.body === '<h1>v2 home</h1>');
  expect((await cf.edgeRequest('next.blog.pages.dev', '/')).body).toBe('<h1>v2 home</h1>');
  expect((await cf.edgeRequest('blog.pages.dev', '/')).body).toBe('<h1>v1 home</h1>');
});

it('refuses asset calls without a valid upload JWT, and a manifest naming files never uploaded', async () => {
  const wrongJwt = new Cloudflare({ apiToken: cf.token, baseURL: cf.apiBaseUrl, maxRetries: 0 });
  const err = await wrongJwt.pages.assets.upsertHashes({ hashes: ['0'.repeat(32)] }).catch((e: unknown) => e);
  expect((err as InstanceType<typeof Cloudflare.APIError>).status).toBe(401);
  expect((err as InstanceType<typeof Cloudflare.APIError>).errors[0]!.code).toBe(8000013);
  await client.pages.projects.create({ account_id: cf.accountId, name: 'empty', production_branch: 'main' });
  const before = cf.state().deployments.length;
  const bad = await client.pages.projects.deployments
    .create('empty', { account_id: cf.accountId, branch: 'main', manifest: JSON.stringify({ '/index.html': 'f'.repeat(32) }) })
    .catch((e: unknown) => e);
  expect((bad as InstanceType<typeof Cloudflare.APIError>).status).toBe(400);
  expect(cf.state().deployments.length).toBe(before);
});

it('runs a deployment _worker.js (advanced-mode Functions) with ASSETS, and applies _redirects, _headers and _routes.json', async () => {
  await client.pages.projects.create({ account_id: cf.accountId, name: 'fn', production_branch: 'main' });
  const manifest = await upload('fn', {
    '/index.html': { body: '<h1>static home</h1>', type: 'text/html' },
    '/static/a.txt': { body: 'plain asset', type: 'text/plain' },
  });
  const worker = `export default {
    async fetch(request, env) {
      const url = new URL(request.url);
      if (url.pathname.startsWith('/api/')) return Response.json({ fn: true, path: url.pathname });
      const asset = await env.ASSETS.fetch(request);
      return new Response((await asset.text()) + ' (via fn)', asset);
    },
  };`;
  const d = await client.pages.projects.deployments.create('fn', {
    account_id: cf.accountId,
    branch: 'main',
    manifest: JSON.stringify(manifest),
    '_worker.js': await toFile(Buffer.from(worker), '_worker.js', { type: 'application/javascript+module' }),
    '_routes.json': await toFile(Buffer.from(JSON.stringify({ version: 1, include: ['/*'], exclude: ['/static/*'] })), '_routes.json'),
    _redirects: await toFile(Buffer.from('/old /static/a.txt 301\n/blog/* /api/posts/:splat 200\n'), '_redirects'),
    _headers: await toFile(Buffer.from('/static/*\n  X-Frame-Options: DENY\n  Cache-Control: max-age=60\n'), '_headers'),
  });
  await until(() => client.pages.projects.deployments.get(d.id, { account_id: cf.accountId, project_name: 'fn' }), (x) => x.latest_stage.status === 'success');

  const api = await cf.edgeRequest('fn.pages.dev', '/api/hello');
  expect(JSON.parse(api.body)).toEqual({ fn: true, path: '/api/hello' });
  expect(api.headers['x-cf-local-deployment']).toBe(d.id);
  expect((await cf.edgeRequest('fn.pages.dev', '/')).body).toBe('<h1>static home</h1> (via fn)');
  const excluded = await cf.edgeRequest('fn.pages.dev', '/static/a.txt');
  expect(excluded.body).toBe('plain asset');
  expect(excluded.headers['x-frame-options']).toBe('DENY');
  expect(excluded.headers['cache-control']).toBe('max-age=60');
  const moved = await cf.edgeRequest('fn.pages.dev', '/old');
  expect(moved.status).toBe(301);
  expect(moved.headers.location).toBe('/static/a.txt');

  // A _worker.js that does not start fails the deployment at its deploy stage.
  const broken = await client.pages.projects.deployments.create('fn', {
    account_id: cf.accountId,
    branch: 'main',
    manifest: JSON.stringify(manifest),
    '_worker.js': await toFile(Buffer.from('export default { fetch( }'), '_worker.js'),
  });
  const failed = await until(() => client.pages.projects.deployments.get(broken.id, { account_id: cf.accountId, project_name: 'fn' }), (x) => x.latest_stage.status === 'failure');
  expect(failed.latest_stage.name).toBe('deploy');
  expect((await cf.edgeRequest('fn.pages.dev', '/api/x')).headers['x-cf-local-deployment']).toBe(d.id);
});
