// Unmodified wrangler pointed at a local Cloudflare through its documented CLOUDFLARE_API_BASE_URL:
// one runner for the tests and the benchmark.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalCloudflare } from './local-cloudflare.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = path.join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
// wrangler needs Node >= 22.12: the project's own Node (the `node` package) when present.
const NODE = [path.join(ROOT, 'node_modules', '.bin', 'node'), process.execPath].find((p) => existsSync(p))!;

/** How one wrangler run ended. */
export interface WranglerRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs wrangler in `cwd` with a clean environment (its own HOME: no login, no agent detection,
 * no metrics), `input` on its stdin (how a non-interactive `secret put` takes the value).
 */
export function runWrangler(cf: LocalCloudflare, options: { cwd: string; home: string; input?: string; timeoutMs?: number }, args: string[]): Promise<WranglerRun> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: options.home,
    XDG_CONFIG_HOME: path.join(options.home, '.config'),
    CLOUDFLARE_API_BASE_URL: cf.apiBaseUrl,
    CLOUDFLARE_API_TOKEN: cf.token,
    CLOUDFLARE_ACCOUNT_ID: cf.accountId,
    WRANGLER_SEND_METRICS: 'false',
    CI: 'true',
    NO_COLOR: '1',
  };
  return new Promise((resolve) => {
    // Asynchronous on purpose: the emulator may answer from this same process.
    const child = execFile(NODE, [WRANGLER, ...args], { env, cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end(options.input ?? '');
  });
}
