/**
 * Unmodified `wrangler deploy` and `wrangler versions upload` of a real OpenNext build (the
 * full-stack example, `opennextjs-cloudflare build` output in `.open-next/`) against the local
 * Cloudflare: wrangler bundles it, uploads its assets and the Worker, and the edge runs it in
 * workerd with server rendering, the route handler and the assets.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFullstackExample } from '../devstack/fullstack-example.ts';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';
import { runWrangler } from './wrangler-cli.ts';

let cf: LocalCloudflare;
let app: string;
let home: string;
const SCRIPT = 'opennext-shop';

beforeAll(async () => {
  const built = await buildFullstackExample();
  cf = await startLocalCloudflare();
  home = mkdtempSync(path.join(os.tmpdir(), 'cf-local-opennext-home-'));
  app = mkdtempSync(path.join(os.tmpdir(), 'cf-local-opennext-app-'));
  cpSync(path.join(built.appDir, '.open-next'), path.join(app, '.open-next'), { recursive: true });
  // The example's own config, as an OpenNext user has it; the ISR namespace is left for wrangler
  // to provision (its placeholder id names no namespace), the Worker gets its own name.
  const config = JSON.parse(readFileSync(path.join(built.appDir, 'wrangler.jsonc'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as Record<string, unknown>;
  writeFileSync(
    path.join(app, 'wrangler.jsonc'),
    JSON.stringify({ ...config, $schema: undefined, name: SCRIPT, kv_namespaces: [{ binding: 'NEXT_INC_CACHE_KV' }], workers_dev: true, preview_urls: true, vars: { NEXTDEPLOY_VERSION: 'w1' } }),
  );
}, 300_000);
afterAll(async () => {
  await cf?.stop();
  for (const d of [app, home]) if (d) rmSync(d, { recursive: true, force: true });
});

const wrangler = (...args: string[]) => runWrangler(cf, { cwd: app, home, timeoutMs: 180_000 }, args);
const host = () => `${SCRIPT}.${cf.state().workersSubdomain}.workers.dev`;

describe('wrangler with an OpenNext build', () => {
  it('deploy: the Worker renders per request on workers.dev, answers the POST route, serves its assets', async () => {
    const deploy = await wrangler('deploy');
    expect(deploy.code, deploy.stderr + deploy.stdout).toBe(0);
    const page = await cf.edgeRequest(host(), '/', { headers: { cookie: 'visitor=wren' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Hello, <!-- -->wren');
    expect(page.body).toContain('version <!-- -->w1');
    expect(page.headers['x-nextdeploy-middleware']).toBe('ran');
    const echo = await cf.edgeRequest(host(), '/api/echo', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(JSON.parse(echo.body)).toMatchObject({ method: 'POST', body: 'hi' });
    expect((await cf.edgeRequest(host(), '/logo.svg')).body).toContain('<svg');
  });

  it('versions upload: the new version answers on its Preview URL while the deployed one keeps serving', async () => {
    const configFile = path.join(app, 'wrangler.jsonc');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), vars: { NEXTDEPLOY_VERSION: 'w2' } }));
    const upload = await wrangler('versions', 'upload');
    expect(upload.code, upload.stderr + upload.stdout).toBe(0);
    const preview = /https:\/\/([0-9a-f]{8}-[a-z0-9-]+\.[a-z0-9-]+\.workers\.dev)/.exec(upload.stdout)?.[1];
    expect(preview, upload.stdout).toBeDefined();
    expect((await cf.edgeRequest(preview!, '/about')).body).toContain('<span id="version">w2</span>');
    expect((await cf.edgeRequest(host(), '/about')).body).toContain('<span id="version">w1</span>');
  });
});
