import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.ts';
import { inspectStack, stackPaths, writeStackInfo, type StackInfo } from './stack-file.ts';

function info(overrides: Partial<StackInfo>, temporalPort: number): StackInfo {
  return {
    schema: 1,
    pid: process.pid,
    mode: 'background',
    cloudflareTarget: 'api',
    startedAt: new Date().toISOString(),
    temporal: { address: `127.0.0.1:${temporalPort}`, namespace: 'default', uiUrl: 'http://127.0.0.1:1', pid: process.pid },
    cloudflare: null,
    worker: null,
    logDir: '/tmp',
    ...overrides,
  };
}

describe('.nextdeploy/stack.json', () => {
  it('is written owner-only, and a stack whose supervisor died is forgotten', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-file-'));
    // A pid far above pid_max is never alive.
    writeStackInfo(info({ pid: 2 ** 30 }, 1), dir);
    expect(statSync(stackPaths(dir).info).mode & 0o077).toBe(0);
    expect(await inspectStack(dir)).toEqual({ state: 'none' });
    expect(existsSync(stackPaths(dir).info)).toBe(false);
  });

  it('reports a stack whose processes live but whose Temporal does not answer as unhealthy, and keeps it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-file-'));
    writeStackInfo(info({}, await freePort()), dir);
    const found = await inspectStack(dir);
    expect(found.state).toBe('unhealthy');
    expect(found.state === 'unhealthy' && found.problem).toMatch(/^Temporal does not answer at 127\.0\.0\.1:\d+$/);
    expect(existsSync(stackPaths(dir).info)).toBe(true);
  });

  it('finds a running stack whose ports answer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-file-'));
    const server = createServer((s) => s.end());
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    try {
      writeStackInfo(info({}, port), dir);
      expect((await inspectStack(dir)).state).toBe('running');
    } finally {
      server.close();
    }
  });
});
