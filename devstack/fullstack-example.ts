import { cpSync, existsSync, mkdirSync, renameSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { buildWorkersApp } from '../build/workers-app.ts';
import { WORKERS_BUNDLE_FILE } from '../core/workers-bundle.ts';
import { hashSources, pruneBuilds } from './example-app.ts';
import { withFileLock } from './file-lock.ts';
import { PROJECT_ROOT } from './paths.ts';

/** The bundled full-stack example (SSR, route handlers, middleware, server actions, ISR) for the Workers target. */
export const FULLSTACK_APP_DIR = path.join(PROJECT_ROOT, 'examples', 'fullstack-app');

const SOURCES = ['app', 'public', 'middleware.js', 'next.config.js', 'open-next.config.ts', 'package.json', 'wrangler.jsonc'];

/** A finished Workers build of a copy of the full-stack example. */
export interface FullstackBuild {
  /** The built app: its wrangler.jsonc and OpenNext's `.open-next/` (what `wrangler deploy` takes). */
  appDir: string;
  /** The bundle folder (`nextdeploy-workers.json`, the Worker's modules, `assets/`). */
  bundleDir: string;
  hash: string;
  cached: boolean;
}

/**
 * Builds a copy of the full-stack example with OpenNext in `.nextdeploy/example-builds/fullstack-<hash>/`,
 * unless that build is there. One build serves every version: each version learns its name at run
 * time (the `NEXTDEPLOY_VERSION` var of its upload), so a new version costs an upload, not a build.
 */
export async function buildFullstackExample(options: { log?: (line: string) => void; onLine?: (line: string) => void } = {}): Promise<FullstackBuild> {
  const root = path.join(PROJECT_ROOT, '.nextdeploy', 'example-builds');
  const hash = hashSources(FULLSTACK_APP_DIR, 'workers', SOURCES);
  const appDir = path.join(root, `fullstack-${hash}`);
  const bundleDir = path.join(appDir, 'bundle');
  const complete = () => existsSync(path.join(bundleDir, WORKERS_BUNDLE_FILE)) && existsSync(path.join(appDir, '.open-next', 'worker.js'));
  if (complete()) {
    const now = new Date();
    utimesSync(appDir, now, now);
    return { appDir, bundleDir, hash, cached: true };
  }
  mkdirSync(root, { recursive: true });
  return withFileLock(path.join(root, 'build.lock'), async () => {
    if (complete()) return { appDir, bundleDir, hash, cached: true };
    options.log?.('Building the full-stack example for Workers (opennextjs-cloudflare build examples/fullstack-app)...');
    const work = `${appDir}.tmp-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    for (const entry of SOURCES) {
      if (existsSync(path.join(FULLSTACK_APP_DIR, entry))) cpSync(path.join(FULLSTACK_APP_DIR, entry), path.join(work, entry), { recursive: true });
    }
    try {
      await buildWorkersApp(work, { outDir: path.join(work, 'bundle'), onLine: options.onLine });
    } catch (err) {
      rmSync(work, { recursive: true, force: true });
      throw err;
    }
    // The bundle is what a deploy reads; `.open-next` stays for `wrangler deploy` of the same
    // build (the tests compare the two); `.next` is large and read by nothing after the build.
    for (const scratch of ['.next', 'node_modules']) rmSync(path.join(work, scratch), { recursive: true, force: true });
    rmSync(appDir, { recursive: true, force: true });
    renameSync(work, appDir);
    pruneBuilds(root, appDir);
    return { appDir, bundleDir, hash, cached: false };
  });
}
