// The Workers bundler refuses a build it cannot deploy before anything reaches Cloudflare, and
// says what to change; a good build becomes the folder the upload activity reads.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKERS_BUNDLE_FILE, workersBundleSchema } from '../core/workers-bundle.ts';
import { WORKERS_BUILD_FAILURES } from './failures.ts';
import { bundleWorkersApp, WorkersBundleError } from './workers-bundle.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An app folder as OpenNext leaves it: wrangler.jsonc, `.open-next/worker.js` (unless `worker` is false) and assets. */
function app(config: Record<string, unknown>, options: { worker?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-bundle-app-'));
  dirs.push(dir);
  mkdirSync(path.join(dir, '.open-next', 'assets', '_next', 'static'), { recursive: true });
  if (options.worker !== false) writeFileSync(path.join(dir, '.open-next', 'worker.js'), 'import { Buffer } from "node:buffer";\nexport default { fetch() { return new Response(Buffer.from("hi").toString()); } };\n');
  writeFileSync(path.join(dir, '.open-next', 'assets', 'robots.txt'), 'User-agent: *\n');
  writeFileSync(path.join(dir, '.open-next', 'assets', '.assetsignore'), 'drafts/\n');
  mkdirSync(path.join(dir, '.open-next', 'assets', 'drafts'));
  writeFileSync(path.join(dir, '.open-next', 'assets', 'drafts', 'secret.txt'), 'not an asset');
  writeFileSync(path.join(dir, '.open-next', 'assets', '_headers'), '/_next/static/*\n  Cache-Control: public, max-age=31536000, immutable\n');
  const base = {
    name: 'shop',
    main: '.open-next/worker.js',
    compatibility_date: '2026-11-01',
    compatibility_flags: ['nodejs_compat'],
    assets: { directory: '.open-next/assets', binding: 'ASSETS' },
    kv_namespaces: [{ binding: 'NEXT_INC_CACHE_KV', id: '00000000000000000000000000000000' }],
  };
  writeFileSync(path.join(dir, 'wrangler.jsonc'), JSON.stringify({ ...base, ...config }));
  return dir;
}

const outDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'nextdeploy-bundle-out-'));
  dirs.push(d);
  return path.join(d, 'bundle');
};

describe('bundling a built app for the Workers row', () => {
  it('writes the modules, the assets and nextdeploy-workers.json; _headers travels as config, .assetsignore is honoured; a placeholder KV id asks for a namespace', async () => {
    const out = outDir();
    const bundle = await bundleWorkersApp({ appDir: app({}), outDir: out });
    expect(workersBundleSchema.parse(JSON.parse(readFileSync(path.join(out, WORKERS_BUNDLE_FILE), 'utf8')))).toEqual(bundle);
    expect(bundle).toMatchObject({ mainModule: 'worker.js', assetsDir: 'assets', assetsBinding: 'ASSETS', compatibilityFlags: ['nodejs_compat'] });
    expect(bundle.assetsConfig._headers).toContain('immutable');
    expect(bundle.kvNamespaces).toEqual([{ binding: 'NEXT_INC_CACHE_KV', id: null }]);
    expect(readFileSync(path.join(out, 'assets', 'robots.txt'), 'utf8')).toBe('User-agent: *\n');
    // .assetsignore'd files (and the file itself) are no assets, as wrangler has it.
    expect(existsSync(path.join(out, 'assets', 'drafts'))).toBe(false);
    expect(existsSync(path.join(out, 'assets', '.assetsignore'))).toBe(false);
  });

  it('refuses a build folder without a Worker, naming the build to run', async () => {
    const err = await bundleWorkersApp({ appDir: app({}, { worker: false }), outDir: outDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkersBundleError);
    expect((err as WorkersBundleError).type).toBe(WORKERS_BUILD_FAILURES.NO_WORKER);
    expect((err as Error).message).toMatch(/has no built Worker: "main" is \.open-next\/worker\.js/);
    expect((err as WorkersBundleError).fix).toContain('opennextjs-cloudflare build');
  });

  it('refuses a config without nodejs_compat, naming the flag to add', async () => {
    const err = await bundleWorkersApp({ appDir: app({ compatibility_flags: [] }), outDir: outDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkersBundleError);
    expect((err as WorkersBundleError).type).toBe(WORKERS_BUILD_FAILURES.NODEJS_COMPAT_MISSING);
    expect((err as Error).message).toContain('compatibility_flags');
    expect((err as WorkersBundleError).fix).toContain('"nodejs_compat"');
  });

  it('refuses a config with no main', async () => {
    const err = await bundleWorkersApp({ appDir: app({ main: undefined }), outDir: outDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkersBundleError);
    expect((err as WorkersBundleError).type).toBe(WORKERS_BUILD_FAILURES.CONFIG_INVALID);
    expect((err as Error).message).toContain('names no "main" Worker');
  });
});
