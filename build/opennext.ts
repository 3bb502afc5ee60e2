import path from 'node:path';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { WORKERS_BUILD_FAILURES, WorkersBuildError } from './failures.ts';
import { runStreaming } from './process.ts';

const OPENNEXT_CLI = path.join(PROJECT_ROOT, 'node_modules', '@opennextjs', 'cloudflare', 'dist', 'cli', 'index.js');

// next/font/google fetches at build time; offline it fails with "Failed to fetch Inter from
// Google Fonts" (turbopack) or "Failed to fetch font `Inter`" (webpack, fetch-css-from-google-fonts.js).
const GOOGLE_FONT_FAILURE = /Failed to fetch\s+`?[^`\n]*`?\s+from Google Fonts|Failed to fetch font\b|fonts\.googleapis\.com/;

/**
 * Runs `opennextjs-cloudflare build` in `appDir` with the project's Node (it runs the app's
 * `npm run build`, i.e. `next build`, then bundles `.open-next/`), handing each output line to
 * `onLine`. A failed Google Fonts fetch is reported as its own failure with the fix.
 */
export async function runOpenNextBuild(appDir: string, options: { onLine?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  const env = {
    ...process.env,
    ...options.env,
    NEXT_TELEMETRY_DISABLED: '1',
    WRANGLER_SEND_METRICS: 'false',
    // npm run build inside must find next and the project's node first.
    PATH: `${path.join(PROJECT_ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`,
  };
  const run = await runStreaming(process.execPath, [OPENNEXT_CLI, 'build'], { cwd: appDir, env, onLine: options.onLine });
  if (run.code === 0) return;
  const text = run.tail.join('\n');
  if (GOOGLE_FONT_FAILURE.test(text)) {
    throw new WorkersBuildError(
      WORKERS_BUILD_FAILURES.GOOGLE_FONT_FETCH,
      `next/font/google: the build of ${appDir} could not fetch a font from Google Fonts (builds run offline); use next/font/local with the font file committed to the app instead`,
    );
  }
  throw new WorkersBuildError(WORKERS_BUILD_FAILURES.BUILD_FAILED, `opennextjs-cloudflare build failed in ${appDir} (exit ${run.code}); its last lines:\n${run.tail.slice(-30).join('\n')}`);
}
