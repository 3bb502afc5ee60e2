/**
 * Cloudflare's own CLI, unmodified, pointed at the local Cloudflare through its documented
 * `CLOUDFLARE_API_BASE_URL`: KV commands and a Pages Direct Upload deploy of a folder.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { until } from './test-support.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = path.join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
// wrangler needs Node >= 22.12: the project's own Node (the `node` package) when present.
const NODE = [path.join(ROOT, 'node_modules', '.bin', 'node'), process.execPath].find((p) => fs.existsSync(p))!;

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

/** Runs wrangler with a clean environment (no agent detection, no metrics, no browser login). */
function wrangler(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    CLOUDFLARE_API_BASE_URL: cf.apiBaseUrl,
    CLOUDFLARE_API_TOKEN: cf.token,
    CLOUDFLARE_ACCOUNT_ID: cf.accountId,
    WRANGLER_SEND_METRICS: 'false',
    CI: 'true',
    NO_COLOR: '1',
  };
  return new Promise((resolve) => {
    // Asynchronous on purpose: the emulator answers from this same process.
    execFile(NODE, [WRANGLER, ...args], { env, cwd: home, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
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
    const deploy = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        NODE,
        [WRANGLER, 'deploy'],
        {
          env: { PATH: process.env.PATH, HOME: home, CLOUDFLARE_API_BASE_URL: cf.apiBaseUrl, CLOUDFLARE_API_TOKEN: cf.token, CLOUDFLARE_ACCOUNT_ID: cf.accountId, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
          cwd: proj,
          encoding: 'utf8',
          timeout: 120_000,
        },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
      );
    });
    expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
    expect(deploy.stdout).toContain('*.apps.nextdeploy.test/*');
    const res = await cf.edgeRequest('shop.apps.nextdeploy.test', '/');
    expect(res).toMatchObject({ status: 200, body: 'hello world' });
    fs.rmSync(proj, { recursive: true, force: true });
  });
});

