// The worker process as operators run it (`npm run worker`): configuration from the environment,
// the token never printed, graceful exit on SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, tsxNodeArgs } from '../devstack/paths.ts';
import { startTemporalDevServer, type RunningDevServer } from '../devstack/temporal-dev-server.ts';

const MAIN = path.join(PROJECT_ROOT, 'worker', 'main.ts');
const TOKEN = 'worker-test-token-5b1f0c9e7d2a4c68';
let temporal: RunningDevServer;

function startWorker(env: NodeJS.ProcessEnv) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLOUDFLARE_') && !k.startsWith('TEMPORAL_') && !k.startsWith('NEXTDEPLOY_')));
  const child = spawn(process.execPath, tsxNodeArgs(MAIN), { cwd: PROJECT_ROOT, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

beforeAll(async () => {
  temporal = await startTemporalDevServer({ dbFilename: false, log: () => {} });
});
afterAll(async () => {
  await temporal?.stop();
});

describe('npm run worker', () => {
  it('refuses to start without a token, naming the variables', async () => {
    const w = startWorker({ TEMPORAL_ADDRESS: temporal.address });
    expect(await w.exited).toBe(1);
    expect(w.output()).toContain('CLOUDFLARE_API_TOKEN');
    expect(w.output()).toContain('CLOUDFLARE_API_TOKEN_FILE');
  });

  it('reads the token from a file, never prints it, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nextdeploy-worker-'));
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    const w = startWorker({
      TEMPORAL_ADDRESS: temporal.address,
      CLOUDFLARE_API_TOKEN_FILE: path.join(dir, 'token'),
      CLOUDFLARE_API_BASE_URL: 'http://127.0.0.1:9/client/v4',
      NEXTDEPLOY_EDGE_CONNECT_TO: '127.0.0.1:9',
    });
    for (let i = 0; i < 600 && !w.output().includes('nextdeploy worker:'); i += 1) await new Promise((r) => setTimeout(r, 100));
    expect(w.output()).toContain('token from CLOUDFLARE_API_TOKEN_FILE');
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.output()).toContain('nextdeploy worker stopped');
    expect(w.output()).not.toContain(TOKEN);
  });
});
