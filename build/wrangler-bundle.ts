import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { WORKERS_BUILD_FAILURES, WorkersBuildError } from './failures.ts';
import { runStreaming } from './process.ts';

/** One module of the bundled Worker as the script upload sends it. */
export interface BundledModule {
  /** Name in the upload (relative to the bundle folder, `/`-separated). */
  name: string;
  /** Absolute path of the file. */
  path: string;
  size: number;
  /** The multipart part's module kind. */
  type: 'esm' | 'commonjs' | 'compiled-wasm' | 'text' | 'data';
}

const WRANGLER = path.join(PROJECT_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

function moduleType(name: string): BundledModule['type'] {
  if (/\.(m?js)$/.test(name)) return 'esm';
  if (name.endsWith('.cjs')) return 'commonjs';
  if (name.endsWith('.wasm')) return 'compiled-wasm';
  if (/\.(txt|html|sql)$/.test(name)) return 'text';
  return 'data';
}

function listModules(dir: string, rel = ''): BundledModule[] {
  const found: BundledModule[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const name = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...listModules(dir, name));
    // wrangler writes a README.md and source maps beside the bundle; neither is uploaded.
    else if (entry.isFile() && name !== 'README.md' && !name.endsWith('.map')) {
      const abs = path.join(dir, name);
      found.push({ name, path: abs, size: statSync(abs).size, type: moduleType(name) });
    }
  }
  return found;
}

/**
 * Bundles `.open-next/worker.js` and what it imports the way `wrangler deploy` would
 * (`--dry-run --outdir`: esbuild, the nodejs_compat polyfills, no network), so the modules and
 * sizes reported are the ones that would be uploaded. OpenNext's worker.js alone is a 2 KB stub.
 */
export async function bundleWorker(appDir: string, configPath: string, outDir: string, onLine?: (line: string) => void): Promise<BundledModule[]> {
  rmSync(outDir, { recursive: true, force: true });
  const run = await runStreaming(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--config', configPath, '--outdir', outDir], {
    cwd: appDir,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: process.env.WRANGLER_LOG ?? 'log' },
    onLine,
  });
  if (run.code !== 0 || !existsSync(outDir)) {
    throw new WorkersBuildError(
      WORKERS_BUILD_FAILURES.BUILD_FAILED,
      `wrangler could not bundle the Worker of ${appDir} (exit ${run.code}); run \`npx wrangler deploy --dry-run\` there to see why:\n${run.tail.slice(-30).join('\n')}`,
    );
  }
  return listModules(outDir).sort((a, b) => a.name.localeCompare(b.name));
}
