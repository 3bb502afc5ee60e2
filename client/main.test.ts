import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { cleanEnv, runCliProcess, tempDir } from './cli-test-helpers.ts';
import { COMMANDS } from './commands/index.ts';
import { runCli } from './program.ts';

const NAMES = COMMANDS.map((c) => c.name);

async function runInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: cleanEnv(),
    cwd: tempDir(),
  });
  return { code, stdout, stderr };
}

describe('the nextdeploy CLI', () => {
  it('has the commands people type, each behind an npm script of its name', () => {
    expect(NAMES).toEqual(expect.arrayContaining(['start-deploy', 'rollback', 'status', 'validate-token', 'init', 'metadata', 'dev', 'stop']));
    const scripts = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const name of NAMES) expect(scripts[name], `npm script ${name}`).toBe(`tsx client/main.ts ${name}`);
  });

  it('answers --help on every command with its usage on stdout and exit 0', async () => {
    // In-process (the same runCli main.ts calls): eight child processes would only add start-up time.
    const runs = await Promise.all(NAMES.map((name) => runInProcess([name, '--help'])));
    runs.forEach((run, i) => {
      expect(run.code, NAMES[i]).toBe(0);
      expect(run.stderr, NAMES[i]).toBe('');
      expect(run.stdout).toMatch(new RegExp(`^Usage: nextdeploy ${NAMES[i]} \\[options\\]`, 'm'));
      expect(run.stdout).toMatch(/-h, --help/);
    });
  });

  it('prints one command\'s help as a child process too', async () => {
    const run = await runCliProcess(['start-deploy', '--help'], { cwd: tempDir() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: nextdeploy start-deploy \[options\]/m);
    expect(run.stdout).toMatch(/^ {2}--app <name> /m);
    expect(run.stdout).toMatch(/^ {2}--json /m);
    expect(run.stdout).toMatch(/^ {2}--detach /m);
  });

  it('lists every command in the top-level help', async () => {
    const run = await runCliProcess(['--help']);
    expect(run.code).toBe(0);
    for (const name of NAMES) expect(run.stdout).toMatch(new RegExp(`^ {2}${name}\\b`, 'm'));
  });

  it('refuses no command, an unknown command, an unknown flag and a stray argument with exit 2', async () => {
    const [none, unknown, flag, stray] = await Promise.all([
      runCliProcess([]),
      runCliProcess(['deploy']),
      runCliProcess(['status', '--colour']),
      runCliProcess(['stop', 'now']),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: nextdeploy \[options\] \[command\]/m);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'deploy'/);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--colour'/);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/too many arguments/);
    for (const run of [none, unknown, flag, stray]) expect(run.stdout).toBe('');
  });

  it('runs through npm run as the README says', async () => {
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'stop', '--', '--help'], { cwd: PROJECT_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: nextdeploy stop/m);
  });
});
