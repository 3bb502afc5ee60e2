// The Workers target's build, start to finish: OpenNext builds the app (next build inside), then
// wrangler's bundler turns `.open-next/` into the bundle folder the upload activity reads.
import path from 'node:path';
import type { WorkersBundle } from '../core/workers-bundle.ts';
import { runOpenNextBuild } from './opennext.ts';
import { bundleWorkersApp } from './workers-bundle.ts';

/** What {@link buildWorkersApp} made, and how long each half took. */
export interface WorkersAppBuild {
  bundleDir: string;
  bundle: WorkersBundle;
  buildMs: number;
  bundleMs: number;
}

/**
 * Builds the Next.js app in `appDir` for Workers and writes its bundle to `outDir` (default
 * `<appDir>/.nextdeploy-bundle`). Each output line of the build goes to `onLine` as it comes.
 */
export async function buildWorkersApp(
  appDir: string,
  options: { outDir?: string; onLine?: (line: string) => void; /** The app's public hostnames (server actions' allowed origins), as NEXTDEPLOY_PUBLIC_HOSTS. */ publicHosts?: string[] } = {},
): Promise<WorkersAppBuild> {
  const outDir = options.outDir ?? path.join(appDir, '.nextdeploy-bundle');
  const t0 = performance.now();
  await runOpenNextBuild(appDir, { onLine: options.onLine, ...(options.publicHosts ? { env: { NEXTDEPLOY_PUBLIC_HOSTS: options.publicHosts.join(',') } } : {}) });
  const t1 = performance.now();
  options.onLine?.('bundling the Worker (wrangler deploy --dry-run)');
  const bundle = await bundleWorkersApp({ appDir, outDir });
  return { bundleDir: outDir, bundle, buildMs: Math.round(t1 - t0), bundleMs: Math.round(performance.now() - t1) };
}
