import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../devstack/paths.ts';
import { ROUTER_DIR, seedVersion, startRouter, startUpstream } from './harness.ts';

const run = promisify(execFile);
const WRANGLER = path.join(PROJECT_ROOT, 'node_modules/wrangler/bin/wrangler.js');
const CONFIG = path.join(ROUTER_DIR, 'wrangler.jsonc');
const outdir = await mkdtemp(path.join(tmpdir(), 'router-dry-run-'));

afterAll(() => rm(outdir, { recursive: true, force: true }));

/** Runs wrangler on this Node, offline and without telemetry. */
function wrangler(...args: string[]) {
  return run(process.execPath, [WRANGLER, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1', CLOUDFLARE_API_TOKEN: '' },
    timeout: 90_000,
  });
}

describe('wrangler config', () => {
  it('`wrangler deploy --dry-run` of the real config bundles the Worker and names its bindings', async () => {
    const { stdout } = await wrangler('deploy', '--dry-run', '--outdir', outdir, '-c', CONFIG);
    expect(stdout).toMatch(/env\.ROUTES\s+KV Namespace/);
    for (const name of ['APPS_DOMAIN', 'CACHE_TTL_SECONDS', 'ISOLATE_CACHE_MS', 'ALLOWED_TARGET_HOSTS']) {
      expect(stdout).toMatch(new RegExp(`env\\.${name} \\(".+"\\)\\s+Environment Variable`));
    }
    expect(stdout).toContain('--dry-run: exiting now.');

    // The very bundle wrangler would upload routes a request in workerd.
    const script = await readFile(path.join(outdir, 'index.js'), 'utf8');
    const upstream = await startUpstream();
    const router = await startRouter({ upstreamPort: upstream.port, script, adminToken: null });
    try {
      expect(await (await router.fetch('x.test', '/__health')).text()).toBe('ok\n');
      await seedVersion(router.kv, { app: 'dry', version: 'v1', defaultTarget: 'https://shop.pages.dev', routes: { '/a': 'https://a.shop.pages.dev' } }, { live: true });
      const res = await router.fetch('dry.apps.nextdeploy.test', '/a/b?c=d');
      expect(res.headers.get('x-nextdeploy-version')).toBe('v1');
      expect(((await res.json()) as { url: string }).url).toBe('https://a.shop.pages.dev/a/b?c=d');
    } finally {
      await router.dispose();
      await upstream.close();
    }
  });

  it('the committed worker-configuration.d.ts matches wrangler.jsonc (npm run router:types)', async () => {
    const { stdout } = await wrangler(
      'types', '-c', CONFIG, '--include-runtime=false', '--strict-vars=false',
      path.join(ROUTER_DIR, 'worker-configuration.d.ts'), '--check',
    );
    expect(stdout).toContain('up to date');
  });
});
