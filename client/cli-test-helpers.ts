import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../devstack/paths.ts';

/** What a person sees after running one CLI command. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const TSX_CLI = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const MAIN = path.join(PROJECT_ROOT, 'client', 'main.ts');

/**
 * The environment of a fresh shell: the parent's, minus every variable that configures the
 * product, so a developer's own settings never leak into a test.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(CLOUDFLARE_|NEXTDEPLOY_|TEMPORAL_ADDRESS|TEMPORAL_NAMESPACE|TEMPORAL_API_KEY|TEMPORAL_TLS_|VITEST|NODE_OPTIONS)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs `tsx client/main.ts <args>` as a child process, as a person would, and collects its output. */
export function runCliProcess(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX_CLI, MAIN, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nextdeploy ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh empty folder (a clone without a config file). */
export function tempDir(prefix = 'nextdeploy-cli-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
