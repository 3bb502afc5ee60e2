import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processAlive } from '../devstack/file-lock.ts';
import { PROJECT_ROOT } from '../devstack/paths.ts';
import { readStackInfo, type StackInfo } from '../devstack/stack-file.ts';
import { cleanEnv, runCliProcess, tempDir, type CliRun } from './cli-test-helpers.ts';

// The README's first run, as a person does it: no config, no token. start-deploy starts the
// embedded stack (Temporal dev server, local Cloudflare, router, real worker) in the background,
// deploys the example app, and later commands reuse the stack until `stop`. Here the static
// example on the Pages row (`--target pages`); the default, the full-stack example on the
// Workers row, is first-run-workers.test.ts.
const stateDir = tempDir('nextdeploy-first-run-');
const env = cleanEnv({ NEXTDEPLOY_STATE_DIR: stateDir });
const run = (args: string[], timeoutMs = 240_000) => runCliProcess(args, { cwd: tempDir(), env, timeoutMs });
let info: StackInfo;

afterAll(async () => {
  await run(['stop']);
});

/** GET through the local edge with the app's hostname, as a browser behind DNS would. */
function viaEdge(pathname: string): Promise<{ status: number; version: string | undefined; body: string }> {
  const edge = new URL(info.cloudflare!.edgeUrl);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: edge.hostname, port: edge.port, path: pathname, headers: { host: 'app123.apps.nextdeploy.test' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.headers['x-nextdeploy-version'] as string | undefined, body }));
    });
    req.on('error', reject);
  });
}

/** Runs the command in a pseudo-terminal (util-linux `script`), as a person at a terminal does. */
function runInTty(args: string[]): Promise<CliRun> {
  const command = [process.execPath, path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(PROJECT_ROOT, 'client', 'main.ts'), ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: tempDir(), env: { ...env, COLUMNS: '120' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('first run on embedded defaults', () => {
  it('start-deploy starts the stack in the background, deploys the example app, and the app answers with it', async () => {
    const deploy = await run(['start-deploy', '--target', 'pages', '--app', 'app123', '--version', 'v1', '--json']);
    expect(deploy.stderr).toMatch(/^Embedded defaults: no nextdeploy\.config\.json and no CLOUDFLARE_API_TOKEN/m);
    expect(deploy.stderr).toMatch(/^Started the embedded stack in the background \(pid \d+\); .*Stop it with `npm run stop`\.$/m);
    expect(deploy.code, deploy.stderr).toBe(0);
    const result = JSON.parse(deploy.stdout);
    expect(result).toMatchObject({ app: 'app123', version: 'v1', status: 'live', liveVersion: 'v1', url: 'https://app123.apps.nextdeploy.test/', workflowId: 'deploy-app123' });
    expect(result.deploymentUrl).toMatch(/^https:\/\/[0-9a-f]{8}\.nextdeploy-example\.pages\.dev$/);
    expect(result.webUi).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/namespaces/default/workflows/deploy-app123/${result.runId}/history$`));
    // A Pages deploy: every step runs but the Workers row's upload-version and worker-domain, reported as skipped.
    const steps: { name: string; status: string; durationMs: number | null; detail: string | null }[] = result.steps;
    expect(steps.map((s) => `${s.name}:${s.status}`)).toEqual(
      ['preflight', 'trigger', 'build', 'upload-version', 'dns', 'domain', 'worker-domain', 'kv-write', 'flip', 'checks', 'bake'].map((n) => `${n}:${n === 'upload-version' || n === 'worker-domain' ? 'skipped' : 'succeeded'}`),
    );
    expect(steps.filter((s) => s.status === 'succeeded').every((s) => s.durationMs !== null && s.durationMs >= 0)).toBe(true);
    expect(steps.find((s) => s.name === 'upload-version')?.detail).toMatch(/^a Pages deploy/);

    info = readStackInfo(stateDir)!;
    expect(info.mode).toBe('background');
    expect(processAlive(info.pid)).toBe(true);
    expect((await fetch(info.temporal.uiUrl)).ok).toBe(true);
    const page = await viaEdge('/about');
    expect(page).toMatchObject({ status: 200, version: 'v1' });
    expect(page.body).toContain('<span id="version">v1</span>');
    // The local Cloudflare's token lives in a private file, never in stack.json.
    const token = readFileSync(path.join(stateDir, 'cf-local-token'), 'utf8').trim();
    expect(readFileSync(path.join(stateDir, 'stack.json'), 'utf8')).not.toContain(token);
    expect(statSync(path.join(stateDir, 'cf-local-token')).mode & 0o077).toBe(0);
  });

  it('the next command reuses the stack; on a terminal it draws the live step list', async () => {
    const tty = await runInTty(['start-deploy', '--target', 'pages', '--app', 'app123', '--version', 'v2']);
    expect(tty.code, tty.stdout).toBe(0);
    expect(tty.stdout).toMatch(/Using the embedded stack already running \(pid \d+\)/);
    expect(tty.stdout).toContain('\u001b[?25l');
    expect(tty.stdout).toMatch(/\u001b\[\d+A/);
    expect(tty.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] \w/);
    expect(tty.stdout).toMatch(/Live: app123 v2 answers at https:\/\/app123\.apps\.nextdeploy\.test\//);
    expect(readStackInfo(stateDir)?.pid).toBe(info.pid);
    expect(await viaEdge('/api/version')).toMatchObject({ status: 200, version: 'v2', body: '{"app":"nextdeploy-example","version":"v2"}' });
  });

  it('a failed build exits 1 with the reason, one plain line per step, and leaves the live version alone', async () => {
    const scenario = await fetch(`${info.cloudflare!.controlUrl}/scenarios/build-failures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ project: 'nextdeploy-example', count: 1, message: 'Build script exited with 1' }),
    });
    expect(scenario.status).toBe(201);
    const deploy = await run(['start-deploy', '--target', 'pages', '--app', 'app123', '--version', 'v3']);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(1);
    expect(deploy.stdout).not.toMatch(/\u001b/);
    expect(deploy.stdout).toMatch(/^✓ preflight +succeeded +[\d.]+s/m);
    expect(deploy.stdout).toMatch(/^✗ build +failed/m);
    expect(deploy.stdout).toMatch(/^Failed: app123 v3 \[BUILD_FAILED\]: .+$/m);
    expect(deploy.stdout).toMatch(/^Live now: v2$/m);
    expect((await viaEdge('/')).version).toBe('v2');
  });

  it('status shows the live version and the versions list; rollback goes back and says what is live', async () => {
    const status = await run(['status', '--json']);
    expect(status.code).toBe(0);
    const body = JSON.parse(status.stdout);
    expect(body.live).toMatchObject({ version: 'v2', previousVersion: 'v1' });
    expect(body.versions.map((v: { version: string; state: string }) => [v.version, v.state])).toEqual([['v1', 'retired'], ['v2', 'live']]);
    expect(body.running).toBeNull();

    const rollback = await run(['rollback', '--app', 'app123', '--json']);
    expect(rollback.code).toBe(0);
    expect(JSON.parse(rollback.stdout)).toMatchObject({ app: 'app123', status: 'rolled_back', rolledBack: true, liveVersion: 'v1' });
    expect((await viaEdge('/')).version).toBe('v1');
  });

  it('rollback --to flips to a named version, and refuses one that never went out or is no version id', async () => {
    const forward = await run(['rollback', '--app', 'app123', '--to', 'v2']);
    expect(forward.code, forward.stdout + forward.stderr).toBe(0);
    expect(forward.stdout).toMatch(/^Rolling back app123 to v2 \(workflow deploy-app123\)\.$/m);
    expect(forward.stdout).toMatch(/^Live now: app123 v2$/m);
    expect((await viaEdge('/')).version).toBe('v2');

    // v3's build failed: it never reached the versions list.
    const unknown = await run(['rollback', '--app', 'app123', '--to', 'v3', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ status: 'failed', rolledBack: false, failureType: 'ROLLBACK_TARGET_INVALID', liveVersion: 'v2' });
    expect(JSON.parse(unknown.stdout).reason).toContain('has no version v3');

    for (const bad of ['__proto__', '../v1', '']) {
      const refused = await run(['rollback', '--app', 'app123', '--to', bad]);
      expect(refused.code, bad).toBe(2);
      expect(refused.stderr).toMatch(/--to: /);
    }
    const back = await run(['rollback', '--app', 'app123', '--to', 'v1', '--json']);
    expect(JSON.parse(back.stdout)).toMatchObject({ status: 'rolled_back', rolledBack: true, version: 'v1', liveVersion: 'v1' });
    expect((await viaEdge('/')).version).toBe('v1');
  });

  it('Ctrl-C stops watching a deploy, not the deploy; rollback then signals it and the saga puts everything back', async () => {
    const control = info.cloudflare!.controlUrl;
    const setStageMs = (ms: number) =>
      fetch(`${control}/timing`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ directUploadStepMs: ms }) });
    // A slow Pages build keeps the deploy running while the signal arrives; the deploy honours it
    // at once (the build wait is cancelled), before anything is routed to the new version.
    expect((await setStageMs(3_000)).ok).toBe(true);
    try {
      // Ctrl-C while following stops the watching only: the deploy goes on in Temporal.
      const watcher = spawn(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(PROJECT_ROOT, 'client', 'main.ts'), 'start-deploy', '--target', 'pages', '--app', 'app123', '--version', 'v4'], {
        cwd: tempDir(),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let watched = '';
      let watchErr = '';
      watcher.stderr.setEncoding('utf8').on('data', (d: string) => (watchErr += d));
      const watcherExit = new Promise<number | null>((resolve) => watcher.on('exit', resolve));
      await new Promise<void>((resolve) => {
        watcher.stdout.setEncoding('utf8').on('data', (d: string) => {
          watched += d;
          if (/^… trigger|^✓ trigger|^… build/m.test(watched)) resolve();
        });
        void watcherExit.then(() => resolve());
      });
      watcher.kill('SIGINT');
      expect(await watcherExit, watched + watchErr).toBe(130);
      expect(watchErr).toMatch(/^Stopped watching; the deploy goes on in Temporal\. Watch it: npm run status -- --app app123; stop it: npm run rollback -- --app app123$/m);

      const rollback = await run(['rollback', '--app', 'app123', '--reason', 'bad release', '--json']);
      expect(rollback.code, rollback.stderr).toBe(0);
      expect(rollback.stderr).toMatch(/^Sent rollback to the running deploy of app123 v4 \(workflow deploy-app123\)/m);
      expect(JSON.parse(rollback.stdout)).toMatchObject({ app: 'app123', status: 'rolled_back', rolledBack: true, version: 'v4', liveVersion: 'v1' });
      expect((await viaEdge('/')).version).toBe('v1');
    } finally {
      await setStageMs(40);
    }
  });

  it('stop stops every process of the stack and keeps its state', async () => {
    const stop = await run(['stop']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/^Stopped\. State is kept in/m);
    for (const pid of [info.pid, info.temporal.pid, info.worker!.pid]) expect(processAlive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(path.join(stateDir, 'stack.json'))).toBe(false);
    expect(existsSync(path.join(stateDir, 'temporal.db'))).toBe(true);
    expect((await run(['stop'])).stdout).toBe('No embedded stack is running.\n');
  });

  it('dev runs the same stack in the foreground with the state of before, prints every URL, and Ctrl-C stops it all', async () => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(PROJECT_ROOT, 'client', 'main.ts'), 'dev'], {
      cwd: tempDir(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 120_000;
    while (!stdout.includes('Press Ctrl-C to stop.') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 250));
    expect(stdout, stderr).toMatch(/^ {2}Temporal Web UI {3}http:\/\/127\.0\.0\.1:\d+/m);
    expect(stdout).toMatch(/^ {2}Local Cloudflare {2}API http:\/\/127\.0\.0\.1:\d+\/client\/v4, edge http:\/\/127\.0\.0\.1:\d+$/m);
    const foreground = readStackInfo(stateDir)!;
    expect(foreground.mode).toBe('foreground');
    // State survived the restart: the local Cloudflare's KV still says v1 is live.
    const status = await run(['status', '--json']);
    expect(JSON.parse(status.stdout).live.version).toBe('v1');
    const second = await run(['dev']);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/The embedded stack is already running in the foreground/);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/Stopping \(SIGINT\)\.\.\.\nStopped; state is kept for the next start\.\n$/);
    for (const pid of [foreground.temporal.pid, foreground.worker!.pid]) expect(processAlive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(path.join(stateDir, 'stack.json'))).toBe(false);
  });
});
