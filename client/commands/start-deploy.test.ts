import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from '../../cf-local/index.ts';
import { DEPLOY_WORKFLOW_TYPE } from '../../core/workflow-contracts.ts';
import { startTemporalDevServer, type RunningDevServer } from '../../devstack/temporal-dev-server.ts';
import { cleanEnv, runCliProcess, tempDir } from '../cli-test-helpers.ts';

// Refusals of start-deploy (and status beside a running deploy) as an operator meets them:
// a real Temporal dev server and the local Cloudflare, no worker, so a started deploy stays running.
let temporal: RunningDevServer;
let cf: LocalCloudflare;
let connection: Connection;
let client: Client;


const metadataFor = (app: string, version: string, target = 'https://shop.pages.dev') => ({ app, version, defaultTarget: target, routes: { '/': target } });

function configuredDir(config: Record<string, unknown> = {}): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'out'));
  writeFileSync(path.join(dir, 'out', 'index.html'), '<h1>hi</h1>');
  writeFileSync(path.join(dir, 'nextdeploy.config.json'), JSON.stringify({
    accountId: cf.accountId, zoneId: cf.zone.id, baseDomain: cf.zone.name, pagesProject: 'shop',
    kvNamespaceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', apps: { app123: { buildDir: 'out' }, app456: { buildDir: 'out' } }, ...config,
  }, null, 2));
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(metadataFor('app123', 'v1')));
  return dir;
}

function env(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return cleanEnv({
    CLOUDFLARE_API_TOKEN: cf.token,
    CLOUDFLARE_API_BASE_URL: cf.apiBaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    NEXTDEPLOY_STATE_DIR: path.join(dir, '.nextdeploy'),
    ...extra,
  });
}

beforeAll(async () => {
  [temporal, cf] = await Promise.all([startTemporalDevServer({ dbFilename: false, log: () => {} }), startLocalCloudflare()]);
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });

});
afterAll(async () => {
  await connection?.close();
  await Promise.all([temporal?.stop(), cf?.stop()]);
});

describe('start-deploy refuses before anything starts', () => {
  it('names a bad config field and how to fix it', async () => {
    const dir = configuredDir({ apps: { app123: { hostname: 'app123.evil.com' } } });
    const run = await runCliProcess(['start-deploy', '--app', 'app123'], { cwd: dir, env: env(dir) });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: apps\.app123\.hostname: "app123\.evil\.com" is outside the zone nextdeploy\.test; use a name under it, e\.g\. "app123\.apps\.nextdeploy\.test"/m);
  });

  it('refuses a token in the config file without repeating it', async () => {
    const dir = configuredDir({ apiToken: 'super-secret-token-value-123' });
    const run = await runCliProcess(['start-deploy', '--app', 'app123'], { cwd: dir, env: env(dir) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: apiToken: a token or secret must not be in nextdeploy\.config\.json .*CLOUDFLARE_API_TOKEN or CLOUDFLARE_API_TOKEN_FILE/m);
    expect(run.stderr).not.toContain('super-secret-token-value-123');
  });

  it('stops and names the missing token when there is a config file', async () => {
    const dir = configuredDir();
    const e = env(dir);
    delete e.CLOUDFLARE_API_TOKEN;
    const run = await runCliProcess(['start-deploy', '--app', 'app123', '--metadata', 'metadata.json'], { cwd: dir, env: e });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: CLOUDFLARE_API_TOKEN is not set: nextdeploy\.config\.json points at a real Cloudflare account, so start-deploy needs an API token\.$/m);
  });

  it('points at the line of a config file that is not JSON', async () => {
    const dir = configuredDir();
    writeFileSync(path.join(dir, 'nextdeploy.config.json'), '{\n  "accountId": "x",\n  oops\n}\n');
    const run = await runCliProcess(['start-deploy', '--app', 'app123'], { cwd: dir, env: env(dir) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nextdeploy\.config\.json: not valid JSON at line 3, column \d+/);
  });

  it('refuses missing and malformed flags', async () => {
    const dir = configuredDir();
    const noApp = await runCliProcess(['start-deploy'], { cwd: dir, env: env(dir) });
    expect(noApp.code).toBe(2);
    expect(noApp.stderr).toMatch(/required option '--app <name>' not specified/);
    const badApp = await runCliProcess(['start-deploy', '--app', 'App_1'], { cwd: dir, env: env(dir) });
    expect(badApp.code).toBe(2);
    expect(badApp.stderr).toMatch(/^error: --app: app must be a lowercase DNS label/m);
    const unknown = await runCliProcess(['start-deploy', '--app', 'app999'], { cwd: dir, env: env(dir) });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: apps\.app999: app "app999" is not in nextdeploy\.config\.json \(known apps: app123, app456\)/m);
    const badVersion = await runCliProcess(['start-deploy', '--app', 'app123', '--version', '../x'], { cwd: dir, env: env(dir) });
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toMatch(/^error: --version: version must be/m);
  });

  it('refuses metadata whose routes point off the allowed origins (no open proxy)', async () => {
    const dir = configuredDir();
    writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ ...metadataFor('app123', 'v1'), routes: { '/x': 'https://evil.example.com' } }));
    const run = await runCliProcess(['start-deploy', '--app', 'app123', '--metadata', 'metadata.json'], { cwd: dir, env: env(dir) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: metadata\.routes\.\/x: target host "evil\.example\.com" is not an allowed origin/m);
  });

  it('refuses metadata of another app', async () => {
    const dir = configuredDir();
    const run = await runCliProcess(['start-deploy', '--app', 'app456', '--metadata', 'metadata.json'], { cwd: dir, env: env(dir) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: metadata\.app: .* is for app "app123", not "app456"/m);
  });
});

describe('start-deploy beside a running deploy', () => {
  it('--detach --json starts the workflow and prints one JSON object; a second start is refused naming the running one', async () => {
    const dir = configuredDir();
    const first = await runCliProcess(['start-deploy', '--app', 'app123', '--metadata', 'metadata.json', '--detach', '--json'], { cwd: dir, env: env(dir) });
    expect(first.code).toBe(0);
    const started = JSON.parse(first.stdout);
    expect(started).toMatchObject({ app: 'app123', version: 'v1', status: 'started', workflowId: 'deploy-app123', url: 'https://app123.apps.nextdeploy.test/' });
    const description = await client.workflow.getHandle('deploy-app123').describe();
    expect(description.type).toBe(DEPLOY_WORKFLOW_TYPE);
    expect(description.status.name).toBe('RUNNING');
    expect(description.searchAttributes).toMatchObject({ App: ['app123'], DeployVersion: ['v1'] });
    // The input holds no secret.
    const history = await client.workflow.getHandle('deploy-app123').fetchHistory();
    expect(JSON.stringify(history)).not.toContain(cf.token);

    const second = await runCliProcess(['start-deploy', '--app', 'app123', '--metadata', 'metadata.json'], { cwd: dir, env: env(dir) });
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/^error: app123 already has a deploy.* running: workflow deploy-app123 \(run [0-9a-f-]+\)\. One deploy per app runs at a time\.$/m);
    expect(second.stderr).toMatch(/^error: Watch it: npm run status -- --app app123/m);
    expect(second.stderr).toMatch(/^error: Stop it: +npm run rollback -- --app app123 +\(or: temporal workflow cancel --workflow-id deploy-app123\)$/m);

    const status = await runCliProcess(['status', '--app', 'app123', '--json'], { cwd: dir, env: env(dir, { NEXTDEPLOY_KV_NAMESPACE_ID: await kvNamespace() }) });
    expect(status.code).toBe(0);
    const body = JSON.parse(status.stdout);
    expect(body).toMatchObject({ app: 'app123', live: null, versions: [], running: { workflowId: 'deploy-app123', type: DEPLOY_WORKFLOW_TYPE } });
    await client.workflow.getHandle('deploy-app123').terminate('test over');
  });
});

async function kvNamespace(): Promise<string> {
  const existing = cf.state().kvNamespaces[0];
  if (existing) return existing.id;
  const response = await fetch(`${cf.apiBaseUrl}/accounts/${cf.accountId}/storage/kv/namespaces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cf.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'routes' }),
  });
  return ((await response.json()) as { result: { id: string } }).result.id;
}
