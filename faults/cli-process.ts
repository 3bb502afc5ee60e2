/**
 * Runs the CLI (`client/main.ts`) as a child process, as a person would, in one process
 * (`node --import tsx`, not the tsx CLI's two), which matters for 50-odd runs on two cores.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { CliRun } from '../client/cli-test-helpers.ts';
import { PROJECT_ROOT, tsxNodeArgs } from '../devstack/paths.ts';

const MAIN = path.join(PROJECT_ROOT, 'client', 'main.ts');

export function runCli(args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...tsxNodeArgs(MAIN), ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = options.timeoutMs ?? 90_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nextdeploy ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
