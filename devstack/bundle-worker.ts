import path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from './paths.ts';

/** The router Worker's entry module. */
export const ROUTER_ENTRY = path.join(PROJECT_ROOT, 'router-worker', 'src', 'index.ts');

const bundles = new Map<string, Promise<string>>();

/**
 * Bundles a Worker entry (TypeScript that imports core/) into one ES module, as wrangler does,
 * once per process and entry: the router deploy, the local stack, the router tests and the
 * benchmark all upload exactly this.
 */
export function bundleWorker(entry: string = ROUTER_ENTRY): Promise<string> {
  let bundle = bundles.get(entry);
  if (bundle === undefined) {
    bundle = build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      mainFields: ['module', 'main'],
      conditions: ['workerd', 'worker', 'browser'],
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
    }).then((r) => r.outputFiles[0]!.text);
    bundles.set(entry, bundle);
  }
  return bundle;
}
