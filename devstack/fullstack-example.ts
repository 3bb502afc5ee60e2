import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildWorkersApp } from '../build/workers-app.ts';
import { WORKERS_BUNDLE_FILE } from '../core/workers-bundle.ts';
import { cachedExampleBuild, hashSources } from './example-app.ts';
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
  const hash = hashSources(FULLSTACK_APP_DIR, 'workers', SOURCES);
  const { dir: appDir, cached } = await cachedExampleBuild({
    name: `fullstack-${hash}`,
    sourceDir: FULLSTACK_APP_DIR,
    sources: SOURCES,
    complete: (dir) => existsSync(path.join(dir, 'bundle', WORKERS_BUNDLE_FILE)) && existsSync(path.join(dir, '.open-next', 'worker.js')),
    starting: () => options.log?.('Building the full-stack example for Workers (opennextjs-cloudflare build examples/fullstack-app)...'),
    build: async (work) => {
      await buildWorkersApp(work, { outDir: path.join(work, 'bundle'), ...(options.onLine ? { onLine: options.onLine } : {}) });
      // The bundle is what a deploy reads; `.open-next` stays for `wrangler deploy` of the same
      // build (the tests compare the two); `.next` is large and read by nothing after the build.
      for (const scratch of ['.next', 'node_modules']) rmSync(path.join(work, scratch), { recursive: true, force: true });
    },
  });
  return { appDir, bundleDir: path.join(appDir, 'bundle'), hash, cached };
}
