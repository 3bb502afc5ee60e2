import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { readStackInfo } from '../devstack/stack-file.ts';
import { cleanEnv, runCliProcess, tempDir } from './cli-test-helpers.ts';

// The README's quick start exactly: `start-deploy --app <name>` with no config and no token
// builds the full-stack example with OpenNext and deploys it on the Workers row of the embedded
// stack; the app answers through the router with server-rendered pages of its own version.
const stateDir = tempDir('nextdeploy-first-run-workers-');
const env = cleanEnv({ NEXTDEPLOY_STATE_DIR: stateDir });
const run = (args: string[], timeoutMs = 300_000) => runCliProcess(args, { cwd: tempDir(), env, timeoutMs });

afterAll(async () => {
  await run(['stop']);
});

function viaEdge(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; version: string | undefined; headers: http.IncomingHttpHeaders; body: string }> {
  const edge = new URL(readStackInfo(stateDir)!.cloudflare!.edgeUrl);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: edge.hostname, port: edge.port, path: pathname, headers: { host: 'shop.apps.nextdeploy.test', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.headers['x-nextdeploy-version'] as string | undefined, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

describe('the quick start on embedded defaults', () => {
  it('builds the full-stack example, deploys it as a Worker version, and the app renders per request', async () => {
    const deploy = await run(['start-deploy', '--app', 'shop', '--version', 'w1', '--json']);
    expect(deploy.code, deploy.stderr).toBe(0);
    // The build's progress is shown as it runs (or the cached build is named).
    expect(deploy.stderr).toMatch(/^(Building the full-stack example for Workers|Using the cached build of the full-stack example)/m);
    const result = JSON.parse(deploy.stdout);
    expect(result).toMatchObject({ app: 'shop', version: 'w1', status: 'live', liveVersion: 'w1', url: 'https://shop.apps.nextdeploy.test/' });
    expect(result.deploymentUrl).toMatch(/^https:\/\/[0-9a-f]{8}-shop\.nextdeploy-local\.workers\.dev$/);
    const steps: { name: string; status: string }[] = result.steps;
    expect(steps.filter((s) => s.status === 'skipped').map((s) => s.name)).toEqual(['trigger', 'build', 'domain', 'worker-domain']);
    expect(steps.find((s) => s.name === 'upload-version')?.status).toBe('succeeded');

    const page = await viaEdge('/', { cookie: 'visitor=lin' });
    expect(page).toMatchObject({ status: 200, version: 'w1' });
    expect(page.body).toContain('Hello, <!-- -->lin');
    expect(page.body).toContain('version <!-- -->w1');
    expect(page.headers['x-nextdeploy-middleware']).toBe('ran');
    expect((await viaEdge('/about')).body).toContain('<span id="version">w1</span>');
  });

  it('a second version from the same build goes live, and rollback returns to the first', async () => {
    const second = await run(['start-deploy', '--app', 'shop', '--version', 'w2']);
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(second.stdout).toMatch(/^Live: shop w2 answers at https:\/\/shop\.apps\.nextdeploy\.test\/ \(Worker version [0-9a-f-]{36}, https:\/\/[0-9a-f]{8}-shop\.nextdeploy-local\.workers\.dev\)$/m);
    expect((await viaEdge('/')).body).toContain('version <!-- -->w2');
    const back = await run(['rollback', '--app', 'shop', '--json']);
    expect(back.code, back.stderr + back.stdout).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ app: 'shop', liveVersion: 'w1' });
    expect((await viaEdge('/')).body).toContain('version <!-- -->w1');
  });
});
