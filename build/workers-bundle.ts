// Turns a built Workers app (OpenNext's `.open-next/`, or any wrangler project) into the bundle
// folder the upload activity reads: wrangler's own bundler (`wrangler deploy --dry-run --outdir`,
// offline, no API call) makes the modules, exactly as `wrangler deploy` would upload them.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import ignore from 'ignore';
import { unstable_readConfig } from 'wrangler';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { WORKERS_BUILD_FAILURES, WorkersBuildError, type WorkersBuildFailure } from './failures.ts';
import { PLACEHOLDER_KV_ID, WORKERS_BUNDLE_FILE, workersBundleSchema, type WorkersBundle } from '../core/workers-bundle.ts';

const run = promisify(execFile);
const WRANGLER = path.join(PROJECT_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const NODE = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'node');

/** A bundling step that failed: its type (WORKERS_BUILD_FAILURES), and what to do about it. */
export class WorkersBundleError extends WorkersBuildError {
  constructor(
    type: WorkersBuildFailure,
    message: string,
    /** What the user changes to fix it. */
    readonly fix: string,
  ) {
    super(type, `${message}; ${fix}`);
  }
}

/** Options of {@link bundleWorkersApp}. */
export interface BundleOptions {
  /** The app's folder (holds `wrangler.jsonc` / `wrangler.toml`). */
  appDir: string;
  /** Where the bundle goes; replaced if present. */
  outDir: string;
  /** KV namespace ids by binding, for bindings whose config id is a placeholder. */
  kvNamespaceIds?: Record<string, string>;
  /** Extra environment for wrangler (its Node, no metrics). */
  env?: NodeJS.ProcessEnv;
}

const MODULE_TYPE: Record<string, WorkersBundle['modules'][number]['type'] | 'skip'> = {
  '.js': 'esm',
  '.mjs': 'esm',
  '.cjs': 'commonjs',
  '.wasm': 'compiled-wasm',
  '.txt': 'text',
  '.html': 'text',
  '.bin': 'data',
  '.map': 'skip',
  '.md': 'skip',
};

/** Bundles the app's Worker with wrangler and writes `nextdeploy-workers.json` beside the modules. */
export async function bundleWorkersApp(options: BundleOptions): Promise<WorkersBundle> {
  const { appDir, outDir } = options;
  let config;
  try {
    config = unstable_readConfig({ config: configFile(appDir) }, { hideWarnings: true });
  } catch (err) {
    throw new WorkersBundleError(WORKERS_BUILD_FAILURES.CONFIG_INVALID, `wrangler config in ${appDir} is not valid (${(err as Error).message})`, 'fix wrangler.jsonc');
  }
  if (!config.main) throw new WorkersBundleError(WORKERS_BUILD_FAILURES.CONFIG_INVALID, `wrangler config in ${appDir} names no "main" Worker`, 'set "main" (OpenNext: ".open-next/worker.js") and build the app first');
  if (!existsSync(path.resolve(appDir, config.main))) {
    throw new WorkersBundleError(WORKERS_BUILD_FAILURES.NO_WORKER, `${appDir} has no built Worker: "main" is ${path.relative(appDir, config.main) || config.main}, which does not exist`, 'build the app first (`npx opennextjs-cloudflare build`, which start-deploy runs for an appDir)');
  }
  if (!config.compatibility_flags.includes('nodejs_compat')) {
    throw new WorkersBundleError(WORKERS_BUILD_FAILURES.NODEJS_COMPAT_MISSING, `compatibility_flags in ${appDir}'s wrangler config lacks "nodejs_compat"`, 'add "nodejs_compat": Next.js on Workers needs the node:* modules');
  }
  await rm(outDir, { recursive: true, force: true });
  const modulesDir = outDir;
  await mkdir(modulesDir, { recursive: true });
  try {
    await run(NODE, [WRANGLER, 'deploy', '--dry-run', '--outdir', modulesDir, '--config', configFile(appDir)], {
      cwd: appDir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    const detail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new WorkersBundleError(WORKERS_BUILD_FAILURES.BUILD_FAILED, `wrangler could not bundle the Worker in ${appDir}:\n${detail || e.message}`, 'build the app first (the Worker "main" must exist) and fix what wrangler names');
  }
  const modules: WorkersBundle['modules'] = [];
  for (const name of (await readdir(modulesDir, { recursive: true })).sort()) {
    const type = MODULE_TYPE[path.extname(name)];
    if (type === undefined || type === 'skip') continue;
    modules.push({ name: name.split(path.sep).join('/'), type });
  }
  const mainModule = path.basename(config.main);
  let assetsDir: string | null = null;
  const special: { _headers?: string; _redirects?: string } = {};
  if (config.assets?.directory) {
    assetsDir = 'assets';
    const from = path.resolve(appDir, config.assets.directory);
    await cp(from, path.join(outDir, assetsDir), { recursive: true });
    await dropIgnoredAssets(from, path.join(outDir, assetsDir));
    // As wrangler does: _headers and _redirects travel in the upload's assets config, not as files.
    for (const name of ['_headers', '_redirects'] as const) {
      const text = await readFile(path.join(from, name), 'utf8').catch(() => undefined);
      if (text !== undefined) special[name] = text;
    }
  }
  const kvNamespaces = config.kv_namespaces.map((kv: { binding: string; id?: string }) => {
    const id = options.kvNamespaceIds?.[kv.binding] ?? kv.id;
    return { binding: kv.binding, id: !id || id === PLACEHOLDER_KV_ID ? null : id };
  });
  const bundle = workersBundleSchema.parse({
    schema: 1,
    mainModule,
    modules,
    assetsDir,
    assetsConfig: {
      ...(config.assets?.html_handling ? { html_handling: config.assets.html_handling } : {}),
      ...(config.assets?.not_found_handling ? { not_found_handling: config.assets.not_found_handling } : {}),
      ...(config.assets?.run_worker_first !== undefined ? { run_worker_first: config.assets.run_worker_first } : {}),
      ...special,
    },
    assetsBinding: config.assets?.binding ?? null,
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    vars: Object.fromEntries(Object.entries(config.vars ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
    kvNamespaces,
  });
  await writeFile(path.join(outDir, WORKERS_BUNDLE_FILE), `${JSON.stringify(bundle, null, 2)}\n`);
  return bundle;
}

function configFile(appDir: string): string {
  return path.join(appDir, 'wrangler.jsonc');
}

/** As wrangler does: `.assetsignore` (gitignore syntax) names files that are not assets; it is not one either. */
async function dropIgnoredAssets(source: string, copy: string): Promise<void> {
  const rules = await readFile(path.join(source, '.assetsignore'), 'utf8').catch(() => undefined);
  if (rules === undefined) return;
  const ignored = ignore().add(rules).add('/.assetsignore');
  for (const rel of await readdir(copy, { recursive: true })) {
    const posix = rel.split(path.sep).join('/');
    // A folder is matched by its name with a trailing slash (`drafts/`), as in .gitignore.
    if (ignored.ignores(posix) || ignored.ignores(`${posix}/`)) await rm(path.join(copy, rel), { recursive: true, force: true });
  }
}
