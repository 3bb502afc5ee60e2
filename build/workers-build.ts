import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { experimental_readRawConfig } from 'wrangler';
import { z } from 'zod';
import { buildAssetsManifest } from './assets-manifest.ts';
import { mib, WORKERS_BUILD_FAILURES, WORKERS_LIMITS, WorkersBuildError, type WorkersPlan } from './failures.ts';
import { bundleWorker } from './wrangler-bundle.ts';

/** The wrangler config files looked for in an app folder, in wrangler's own order. */
export const WRANGLER_CONFIG_FILES = ['wrangler.jsonc', 'wrangler.json', 'wrangler.toml'] as const;

// Only the fields a deploy reads; wrangler validates the rest itself when it bundles.
const wranglerConfigSchema = z.object({
  name: z.string().min(1).optional(),
  main: z.string().min(1, { error: 'main: missing; set it to ".open-next/worker.js"' }),
  compatibility_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'compatibility_date: must be a date like "2026-11-01"' }),
  compatibility_flags: z.array(z.string()).default([]),
  assets: z
    .object({
      directory: z.string().min(1),
      binding: z.string().min(1).optional(),
      html_handling: z.enum(['auto-trailing-slash', 'force-trailing-slash', 'drop-trailing-slash', 'none']).optional(),
      not_found_handling: z.enum(['single-page-application', '404-page', 'none']).optional(),
      run_worker_first: z.union([z.boolean(), z.array(z.string())]).optional(),
    })
    .optional(),
  kv_namespaces: z.array(z.object({ binding: z.string(), id: z.string().optional() })).default([]),
  r2_buckets: z.array(z.object({ binding: z.string(), bucket_name: z.string().optional() })).default([]),
  d1_databases: z.array(z.object({ binding: z.string() })).default([]),
  services: z.array(z.object({ binding: z.string(), service: z.string() })).default([]),
});

/** The parts of an app's wrangler config a Workers deploy needs. */
export type WranglerConfig = z.infer<typeof wranglerConfigSchema> & { path: string };

/** A binding the Worker expects, which the deploy must provide (a KV namespace, a bucket, ...). */
export const bindingSchema = z.object({ type: z.enum(['kv_namespace', 'r2_bucket', 'd1', 'service', 'assets']), name: z.string() });

/** The validated description of a Workers build: what the upload sends and how it is configured. */
export const workersBuildSchema = z.strictObject({
  target: z.literal('workers'),
  /** Absolute path of the built app folder. */
  appDir: z.string().startsWith('/'),
  /** The wrangler config it was read from. */
  configPath: z.string().startsWith('/'),
  /** Script name of the wrangler config (a deploy names the script per app). */
  name: z.string().optional(),
  /** The bundle folder: wrangler's `--dry-run --outdir` output, what the script upload sends. */
  bundleDir: z.string().startsWith('/'),
  /** The main module's name (the upload's `main_module`). */
  mainModule: z.string().min(1),
  modules: z.array(z.object({ name: z.string(), path: z.string(), size: z.number().int().nonnegative(), type: z.enum(['esm', 'commonjs', 'compiled-wasm', 'text', 'data']) })).min(1),
  /** All modules together, raw and gzipped the way wrangler measures against the limits. */
  size: z.object({ bytes: z.number().int(), gzipBytes: z.number().int() }),
  compatibilityDate: z.string(),
  compatibilityFlags: z.array(z.string()),
  assets: z.object({
    directory: z.string().startsWith('/'),
    binding: z.string().optional(),
    /** The upload's `assets.config`: routing options and the `_headers` / `_redirects` texts. */
    config: z.object({
      html_handling: z.string().optional(),
      not_found_handling: z.string().optional(),
      run_worker_first: z.union([z.boolean(), z.array(z.string())]).optional(),
      _headers: z.string().optional(),
      _redirects: z.string().optional(),
    }),
    manifest: z.record(z.string().startsWith('/'), z.object({ hash: z.string().regex(/^[0-9a-f]{32}$/), size: z.number().int().nonnegative() })),
    fileCount: z.number().int(),
    totalBytes: z.number().int(),
  }).optional(),
  bindings: z.array(bindingSchema),
});
/** A Workers build ready to upload. */
export type WorkersBuild = z.infer<typeof workersBuildSchema>;

/** The app's wrangler config, validated; the messages name the field and the fix. */
export function readWranglerConfig(appDir: string, configFile?: string): WranglerConfig {
  const file = configFile ? path.resolve(appDir, configFile) : WRANGLER_CONFIG_FILES.map((f) => path.join(appDir, f)).find(existsSync);
  if (!file || !existsSync(file)) {
    throw new WorkersBuildError(WORKERS_BUILD_FAILURES.CONFIG_INVALID, `${appDir}: no wrangler.jsonc; add one with main ".open-next/worker.js", a compatibility_date, compatibility_flags ["nodejs_compat"] and assets.directory ".open-next/assets"`);
  }
  let raw: unknown;
  try {
    raw = experimental_readRawConfig({ config: file }).rawConfig;
  } catch (err) {
    throw new WorkersBuildError(WORKERS_BUILD_FAILURES.CONFIG_INVALID, `${file}: cannot be read (${(err as Error).message})`);
  }
  const parsed = wranglerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => (i.message.includes(':') ? i.message : `${i.path.join('.') || '(root)'}: ${i.message}`));
    throw new WorkersBuildError(WORKERS_BUILD_FAILURES.CONFIG_INVALID, `${file}: ${lines.join('; ')}`);
  }
  return { ...parsed.data, path: file };
}

function checkConfig(config: WranglerConfig, appDir: string): void {
  if (!config.compatibility_flags.includes('nodejs_compat')) {
    throw new WorkersBuildError(
      WORKERS_BUILD_FAILURES.NODEJS_COMPAT_MISSING,
      `compatibility_flags: ${config.path} lacks "nodejs_compat", which the Next.js server in the Worker needs (node:buffer, node:async_hooks, ...); add "compatibility_flags": ["nodejs_compat"]`,
    );
  }
  const main = path.resolve(appDir, config.main);
  if (!existsSync(main)) {
    throw new WorkersBuildError(
      WORKERS_BUILD_FAILURES.NO_WORKER,
      `main: ${main} does not exist, so ${appDir} holds no built Worker; run \`opennextjs-cloudflare build\` in the app (its package.json needs "build": "next build"), or fix main in ${config.path}`,
    );
  }
}

function bindingsOf(config: WranglerConfig): WorkersBuild['bindings'] {
  return [
    ...(config.assets?.binding ? [{ type: 'assets' as const, name: config.assets.binding }] : []),
    ...config.kv_namespaces.map((b) => ({ type: 'kv_namespace' as const, name: b.binding })),
    ...config.r2_buckets.map((b) => ({ type: 'r2_bucket' as const, name: b.binding })),
    ...config.d1_databases.map((b) => ({ type: 'd1' as const, name: b.binding })),
    ...config.services.map((b) => ({ type: 'service' as const, name: b.binding })),
  ];
}

/** Options of {@link describeWorkersBuild}. */
export interface DescribeOptions {
  /** Whose limits apply (default `free`: what fits there deploys everywhere). */
  plan?: WorkersPlan;
  /** The wrangler config, relative to the app (default: wrangler.jsonc / .json / .toml). */
  configFile?: string;
  /** Where the bundle goes (default `<app>/.open-next/nextdeploy-bundle`). */
  bundleDir?: string;
  onLine?: (line: string) => void;
}

/**
 * Reads a built app folder (after `opennextjs-cloudflare build`) into a {@link WorkersBuild}:
 * checks the config, bundles the Worker as wrangler deploys it, measures it against the plan's
 * limits and hashes every static asset. Throws {@link WorkersBuildError} naming what to fix.
 */
export async function describeWorkersBuild(appDir: string, options: DescribeOptions = {}): Promise<WorkersBuild> {
  const dir = path.resolve(appDir);
  const plan = options.plan ?? 'free';
  const limits = WORKERS_LIMITS[plan];
  const config = readWranglerConfig(dir, options.configFile);
  checkConfig(config, dir);
  const bundleDir = options.bundleDir ?? path.join(dir, '.open-next', 'nextdeploy-bundle');
  const modules = await bundleWorker(dir, config.path, bundleDir, options.onLine);
  const contents = modules.map((m) => readFileSync(m.path));
  const size = { bytes: contents.reduce((n, c) => n + c.length, 0), gzipBytes: gzipSync(Buffer.concat(contents)).length };
  const planName = plan === 'free' ? 'Workers Free' : 'Workers Paid';
  if (size.gzipBytes > limits.gzipBytes || size.bytes > limits.bytes) {
    const over = size.bytes > limits.bytes ? `${mib(size.bytes)} uncompressed, over ${mib(limits.bytes)}` : `${mib(size.gzipBytes)} after gzip, over the ${mib(limits.gzipBytes)} of ${planName}`;
    throw new WorkersBuildError(
      WORKERS_BUILD_FAILURES.WORKER_TOO_LARGE,
      `main: the bundled Worker (${bundleDir}) is ${over}; drop large server-side dependencies, move data to KV or R2${plan === 'free' ? ', or deploy with plan "paid" (10 MiB)' : ''}`,
    );
  }
  const mainModule = path.basename(config.main).replace(/\.[cm]?ts$/, '.js');
  let assets: WorkersBuild['assets'];
  if (config.assets) {
    const assetsDir = path.resolve(dir, config.assets.directory);
    const manifest = buildAssetsManifest(assetsDir, plan);
    const meta = (name: string) => (existsSync(path.join(assetsDir, name)) ? readFileSync(path.join(assetsDir, name), 'utf8') : undefined);
    const entries = Object.values(manifest);
    assets = {
      directory: assetsDir,
      binding: config.assets.binding,
      config: {
        html_handling: config.assets.html_handling,
        not_found_handling: config.assets.not_found_handling,
        run_worker_first: config.assets.run_worker_first,
        _headers: meta('_headers'),
        _redirects: meta('_redirects'),
      },
      manifest,
      fileCount: entries.length,
      totalBytes: entries.reduce((n, e) => n + e.size, 0),
    };
  }
  return workersBuildSchema.parse({
    target: 'workers',
    appDir: dir,
    configPath: config.path,
    name: config.name,
    bundleDir,
    mainModule: modules.some((m) => m.name === mainModule) ? mainModule : modules[0]!.name,
    modules,
    size,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    assets,
    bindings: bindingsOf(config),
  });
}
