/**
 * Cloudflare's own CLI, unmodified, pointed at the local Cloudflare through its documented
 * `CLOUDFLARE_API_BASE_URL`: KV commands, a Pages Direct Upload deploy of a folder, and Workers
 * deploys with static assets, versions and deployments on workers.dev.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { runWrangler, type WranglerRun } from './wrangler-cli.ts';
import { until } from './test-support.ts';


let cf: LocalCloudflare;
let home: string;
let namespaceId: string;

beforeAll(async () => {
  cf = await startLocalCloudflare({ seed: { projects: [{ name: 'wsite', production_branch: 'main' }], kvNamespaces: [{ title: 'wrangler-kv' }] } });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-local-wrangler-home-'));
  namespaceId = cf.state().kvNamespaces.find((n) => n.title === 'wrangler-kv')!.id;
});
afterAll(async () => {
  await cf?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Runs wrangler in the home folder with a clean environment (no agent detection, no metrics, no browser login). */
function wrangler(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return wranglerIn(home, ...args);
}

/** Runs wrangler in a project folder (where its wrangler.json(c) is). */
function wranglerIn(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return wranglerWith({ cwd }, ...args);
}

/** Runs wrangler with `input` on its stdin (how a non-interactive `secret put` takes the value). */
function wranglerWith(opts: { cwd: string; input?: string }, ...args: string[]): Promise<WranglerRun> {
  return runWrangler(cf, { home, ...opts }, args);
}

describe('wrangler kv', () => {
  it('puts, gets and lists keys with --remote, and lists namespaces', async () => {
    const put = await wrangler('kv', 'key', 'put', 'greeting', 'hello from wrangler', '--namespace-id', namespaceId, '--remote');
    expect(put.code, put.stderr).toBe(0);
    const get = await wrangler('kv', 'key', 'get', 'greeting', '--namespace-id', namespaceId, '--remote');
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.trim()).toBe('hello from wrangler');
    const list = await wrangler('kv', 'key', 'list', '--namespace-id', namespaceId, '--remote');
    expect(JSON.parse(list.stdout)).toEqual([{ name: 'greeting' }]);
    const namespaces = await wrangler('kv', 'namespace', 'list');
    expect(namespaces.code, namespaces.stderr).toBe(0);
    expect(JSON.parse(namespaces.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: namespaceId, title: 'wrangler-kv' })]));
    const del = await wrangler('kv', 'key', 'delete', 'greeting', '--namespace-id', namespaceId, '--remote');
    expect(del.code, del.stderr).toBe(0);
    const after = await wrangler('kv', 'key', 'list', '--namespace-id', namespaceId, '--remote');
    expect(JSON.parse(after.stdout)).toEqual([]);
  });
});

describe('wrangler pages', () => {
  it('deploys a folder by Direct Upload and the edge serves it', async () => {
    const site = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-local-site-'));
    fs.writeFileSync(path.join(site, 'index.html'), '<h1>deployed by wrangler</h1>');
    fs.mkdirSync(path.join(site, 'docs'));
    fs.writeFileSync(path.join(site, 'docs', 'index.html'), '<h1>docs</h1>');
    fs.writeFileSync(path.join(site, 'style.css'), 'h1 { color: blue }');
    const deploy = await wrangler('pages', 'deploy', site, '--project-name', 'wsite', '--branch', 'main', '--commit-message', 'first');
    expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
    const url = /https:\/\/([0-9a-f]{8})\.wsite\.pages\.dev/.exec(deploy.stdout);
    expect(url, deploy.stdout).not.toBeNull();

    const home = await until(() => cf.edgeRequest('wsite.pages.dev', '/'), (r) => r.status === 200);
    expect(home.body).toBe('<h1>deployed by wrangler</h1>');
    expect((await cf.edgeRequest(`${url![1]}.wsite.pages.dev`, '/docs/')).body).toBe('<h1>docs</h1>');
    expect((await cf.edgeRequest('wsite.pages.dev', '/style.css')).headers['content-type']).toContain('text/css');

    const d = cf.state().deployments.find((x) => x.short_id === url![1])!;
    expect(d).toMatchObject({ project_name: 'wsite', environment: 'production', kind: 'direct_upload', commit_message: 'first' });

    // A second deploy uploads nothing new for unchanged files and becomes production.
    fs.writeFileSync(path.join(site, 'index.html'), '<h1>second</h1>');
    const again = await wrangler('pages', 'deploy', site, '--project-name', 'wsite', '--branch', 'main');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/Uploaded 1 files \(2 already uploaded\)/);
    await until(() => cf.edgeRequest('wsite.pages.dev', '/'), (r) => r.body === '<h1>second</h1>');

    const listed = await wrangler('pages', 'deployment', 'list', '--project-name', 'wsite');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(url![1]);
    fs.rmSync(site, { recursive: true, force: true });
  });
});

describe('wrangler deploy', () => {
  it('uploads a Worker with a KV binding and a zone route; the edge runs it on the same KV', async () => {
    const proj = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-local-worker-'));
    fs.writeFileSync(
      path.join(proj, 'index.js'),
      `export default { async fetch(request, env) { return new Response(env.GREETING + ' ' + (await env.ROUTES.get('who'))); } };`,
    );
    fs.writeFileSync(
      path.join(proj, 'wrangler.json'),
      JSON.stringify({
        name: 'hello-router',
        main: 'index.js',
        compatibility_date: '2025-01-01',
        kv_namespaces: [{ binding: 'ROUTES', id: namespaceId }],
        vars: { GREETING: 'hello' },
        routes: [{ pattern: '*.apps.nextdeploy.test/*', zone_name: 'nextdeploy.test' }],
        workers_dev: false,
      }),
    );
    const put = await wrangler('kv', 'key', 'put', 'who', 'world', '--namespace-id', namespaceId, '--remote');
    expect(put.code, put.stderr).toBe(0);
    const deploy = await wranglerIn(proj, 'deploy');
    expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
    expect(deploy.stdout).toContain('*.apps.nextdeploy.test/*');
    const res = await cf.edgeRequest('shop.apps.nextdeploy.test', '/');
    expect(res).toMatchObject({ status: 200, body: 'hello world' });
    fs.rmSync(proj, { recursive: true, force: true });
  });
});


describe('wrangler deploy with static assets, versions upload and versions deploy', () => {
  const SCRIPT = 'wassets';
  const HOST = `${SCRIPT}.nextdeploy-local.workers.dev`;
  const worker = (word: string) => `import { Buffer } from 'node:buffer';
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/via-binding') return env.ASSETS.fetch(new URL('/style.css', request.url));
    // node:buffer needs nodejs_compat: the flag reached the version's workerd.
    return new Response('worker ${word} ' + Buffer.from('${word}').toString('base64'));
  },
};`;

  it('deploys, uploads a version with a Preview URL, moves traffic to it, re-deploys one changed asset, lists', async () => {
    const proj = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-local-wassets-'));
    const write = (rel: string, body: string) => fs.writeFileSync(path.join(proj, rel), body);
    fs.mkdirSync(path.join(proj, 'public'));
    write('public/index.html', '<h1>home one</h1>');
    write('public/style.css', 'h1 { color: red }');
    write('index.js', worker('one'));
    write(
      'wrangler.jsonc',
      `// wrangler's own JSONC config: the Worker, its assets folder and binding, workers.dev and Preview URLs.
{
  "name": "${SCRIPT}",
  "main": "index.js",
  "compatibility_date": "2025-01-01",
  "compatibility_flags": ["nodejs_compat"],
  "assets": { "directory": "public", "binding": "ASSETS" },
  "workers_dev": true,
  "preview_urls": true,
}`,
    );
    const out = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;

    // 1. The first deploy: a script upload with its assets, deployed at 100 % on workers.dev.
    const first = await wranglerIn(proj, 'deploy');
    expect(first.code, out(first)).toBe(0);
    expect(first.stdout).toContain(`https://${HOST}`);
    const firstId = /Current Version ID: ([0-9a-f-]{36})/.exec(first.stdout)?.[1];
    expect(firstId, first.stdout).toBeDefined();
    expect(await cf.edgeRequest(HOST, '/')).toMatchObject({ status: 200, body: '<h1>home one</h1>' });
    expect((await cf.edgeRequest(HOST, '/style.css')).headers['content-type']).toContain('text/css');
    expect((await cf.edgeRequest(HOST, '/api')).body).toBe(`worker one ${Buffer.from('one').toString('base64')}`);
    expect((await cf.edgeRequest(HOST, '/via-binding')).body).toBe('h1 { color: red }');

    // 2. A versions upload of changed code and a changed asset: a new version, not deployed, on its Preview URL.
    write('index.js', worker('two'));
    write('public/style.css', 'h1 { color: blue }');
    const upload = await wranglerIn(proj, 'versions', 'upload');
    expect(upload.code, out(upload)).toBe(0);
    const secondId = /Worker Version ID: ([0-9a-f-]{36})/.exec(upload.stdout)?.[1];
    const preview = /Version Preview URL: https:\/\/([0-9a-f]{8}-[\w.-]+)/.exec(upload.stdout);
    expect(secondId && preview, upload.stdout).toBeTruthy();
    const previewHost = preview![1]!;
    expect(previewHost).toBe(`${secondId!.slice(0, 8)}-${HOST}`);
    expect((await cf.edgeRequest(previewHost, '/api')).body).toBe(`worker two ${Buffer.from('two').toString('base64')}`);
    expect((await cf.edgeRequest(previewHost, '/style.css')).body).toBe('h1 { color: blue }');
    expect((await cf.edgeRequest(HOST, '/api')).body).toMatch(/^worker one /);
    expect((await cf.edgeRequest(HOST, '/style.css')).body).toBe('h1 { color: red }');

    // 3. versions deploy moves all traffic to it (non-interactive: the spec names the version and share).
    const moved = await wranglerIn(proj, 'versions', 'deploy', `${secondId}@100`, '-y');
    expect(moved.code, out(moved)).toBe(0);
    expect((await cf.edgeRequest(HOST, '/api')).body).toMatch(/^worker two /);
    expect((await cf.edgeRequest(HOST, '/style.css')).body).toBe('h1 { color: blue }');

    // 4. A re-deploy with one changed asset sends that file alone (one bucket, one new file in the store).
    write('public/index.html', '<h1>home three</h1>');
    const storedBefore = Object.keys(cf.state().assets).length;
    const seq = cf.mutations().at(-1)?.seq ?? 0;
    const again = await wranglerIn(proj, 'deploy');
    expect(again.code, out(again)).toBe(0);
    // The non-versioned settings PATCH of a deploy over an existing Worker is answered.
    expect(out(again)).not.toContain('Could not apply service and environment tags');
    const buckets = cf.mutations().filter((m) => m.seq > seq && m.operation === 'workers.assets.upload.create' && m.outcome === 'applied');
    expect(buckets.length).toBe(1);
    expect(Object.keys(cf.state().assets).length).toBe(storedBefore + 1);
    expect(again.stdout).toMatch(/Uploaded 1 file \(1 already uploaded\)/);
    expect(await cf.edgeRequest(HOST, '/')).toMatchObject({ status: 200, body: '<h1>home three</h1>' });
    const thirdId = /Current Version ID: ([0-9a-f-]{36})/.exec(again.stdout)?.[1];

    // A secret is a new version of the deployed code (not of the first upload's), deployed at 100 %.
    const secret = await wranglerWith({ cwd: proj, input: 's3cret' }, 'secret', 'put', 'TOKEN');
    expect(secret.code, out(secret)).toBe(0);
    expect((await cf.edgeRequest(HOST, '/api')).body).toMatch(/^worker two /);
    expect((await cf.edgeRequest(HOST, '/')).body).toBe('<h1>home three</h1>');
    // Downloading the script gives the deployed code too.
    const downloaded = await fetch(`${cf.apiBaseUrl}/accounts/${cf.accountId}/workers/scripts/${SCRIPT}`, { headers: { authorization: `Bearer ${cf.token}` } });
    expect(await downloaded.text()).toContain('worker two');

    // 5. What wrangler lists is what the emulator keeps: every version and deployment, the secret's live.
    const live = cf.state().workerDeployments.filter((d) => d.script === SCRIPT).at(-1)!;
    const fourthId = live.versions[0]!.version_id;
    expect([firstId, secondId, thirdId]).not.toContain(fourthId);
    const deployments = await wranglerIn(proj, 'deployments', 'list');
    expect(deployments.code, out(deployments)).toBe(0);
    for (const id of [firstId, secondId, thirdId, fourthId]) expect(deployments.stdout).toContain(`(100%) ${id}`);
    const versions = await wranglerIn(proj, 'versions', 'list');
    expect(versions.code, out(versions)).toBe(0);
    for (const id of [firstId, secondId, thirdId, fourthId]) expect(versions.stdout).toContain(`Version ID:  ${id}`);
    expect(versions.stdout).toContain('Source:      Secret Change');
    expect(cf.state().workerDeployments.filter((d) => d.script === SCRIPT).map((d) => d.source)).toEqual(['wrangler', 'wrangler', 'wrangler', 'wrangler']);
    fs.rmSync(proj, { recursive: true, force: true });
  });
});
