// End to end, the Workers row: the full-stack example built by OpenNext (a real `next build`),
// uploaded as Worker versions to the local Cloudflare, served by the router from each version's
// own URL in workerd; a second version, then a rollback to the first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressQuery, type DeployResult } from '../core/workflow-contracts.ts';
import { buildFullstackExample } from '../devstack/fullstack-example.ts';
import { snapshotBuild } from '../devstack/example-app.ts';
import { startLocalDeployStack, LOCAL_APPS_DOMAIN, type LocalDeployStack } from '../worker/local-stack.ts';
import { requestRollback, startDeploy } from './client.ts';

let stack: LocalDeployStack;
let bundleDir: string;
const APP = 'shop';
const SCRIPT = 'nextdeploy-shop';
const HOST = `${APP}.nextdeploy.test`;
const ROUTER_HOST = `${APP}.${LOCAL_APPS_DOMAIN}`;
const SUBDOMAIN = 'nextdeploy-local';
const WORKER_HOST = `${SCRIPT}.${SUBDOMAIN}.workers.dev`;

function deployInput(version: string) {
  return {
    app: APP,
    version,
    accountId: stack.cf.accountId,
    zoneId: stack.cf.zone.id,
    kvNamespaceId: stack.kvNamespaceId,
    pagesProject: 'demo',
    source: { type: 'workers', path: snapshotBuild(bundleDir, APP, version), script: SCRIPT, subdomain: SUBDOMAIN },
    metadata: { app: APP, version, defaultTarget: `https://${WORKER_HOST}`, routes: {} },
    hostname: HOST,
    customDomain: { enabled: false },
    checks: { hostname: ROUTER_HOST, paths: ['/', '/isr', '/logo.svg'], propagationWindowMs: 1_500, retryIntervalMs: 200, requestTimeoutMs: 10_000 },
    timing: { buildTimeoutMs: 60_000, pollInitialIntervalMs: 100, pollMaxIntervalMs: 500, domainTimeoutMs: 60_000, bakeMs: 0 },
  };
}

async function deploy(version: string): Promise<{ result?: DeployResult; error?: unknown; workflowId: string; runId: string }> {
  const { handle } = await startDeploy(stack.client, deployInput(version), { taskQueue: stack.taskQueue });
  const settled = await handle.result().then((result) => ({ result }), (error: unknown) => ({ error }));
  return { ...settled, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

/** The version the Worker's Cloudflare deployment serves at 100 %, as its version tag says. */
function deployedTag(): string | undefined {
  const st = stack.cf.state() as unknown as { workerDeployments: { script: string; created_on: string; versions: { version_id: string; percentage: number }[] }[]; workerVersions: { id: string; annotations: Record<string, string> }[] };
  const newest = st.workerDeployments.filter((d) => d.script === SCRIPT).sort((a, b) => (a.created_on < b.created_on ? 1 : -1))[0];
  const only = newest?.versions.length === 1 && newest.versions[0]!.percentage === 100 ? newest.versions[0]!.version_id : undefined;
  return st.workerVersions.find((v) => v.id === only)?.annotations['workers/tag'];
}

const get = (pathname: string, headers: Record<string, string> = {}) => stack.cf.edgeRequest(ROUTER_HOST, pathname, { headers });

beforeAll(async () => {
  // The build first (about 20 s the first time, cached after): the stack's servers need not wait on it.
  bundleDir = (await buildFullstackExample()).bundleDir;
  stack = await startLocalDeployStack({ cloudflare: { timing: { directUploadStepMs: 30, buildStepMs: 30, domainActivationMs: 300 } } });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
});

describe('the full-stack example on the Workers row', () => {
  let v1Page = '';

  it('goes live: SSR per request reading a cookie, the POST route, middleware, static assets with long cache', async () => {
    const v1 = await deploy('v1');
    expect(v1.error).toBeUndefined();
    expect(v1.result).toMatchObject({ status: 'live', liveVersion: 'v1' });
    const progress = await stack.client.workflow.getHandle(v1.workflowId, v1.runId).query(progressQuery);
    expect(progress.steps.filter((s) => s.status === 'skipped').map((s) => s.name)).toEqual(['trigger', 'build', 'domain', 'worker-domain', 'bake']);

    const a = await get('/', { cookie: 'visitor=ada' });
    const b = await get('/', { cookie: 'visitor=ada' });
    expect(a.status).toBe(200);
    expect(a.body).toContain('Hello, <!-- -->ada');
    expect(a.body).toContain('version <!-- -->v1');
    expect(a.headers['x-nextdeploy-middleware']).toBe('ran');
    // Rendered per request: the middleware's request id differs.
    const requestId = (body: string) => /request <!-- -->([0-9a-f-]{36})/.exec(body)?.[1];
    expect(requestId(a.body)).toBeDefined();
    expect(requestId(a.body)).not.toBe(requestId(b.body));
    v1Page = a.body;
    // Cloudflare's own deployment follows the flip, so the live version never ages out.
    expect(deployedTag()).toBe('v1');

    const echo = await stack.cf.edgeRequest(ROUTER_HOST, '/api/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hello":"workers"}' });
    expect(echo.status).toBe(200);
    expect(JSON.parse(echo.body)).toEqual({ method: 'POST', contentType: 'application/json', body: '{"hello":"workers"}' });

    const css = /\/_next\/static\/[^"]+\.(?:css|js)/.exec(a.body)?.[0];
    expect(css).toBeDefined();
    const asset = await get(css!);
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const logo = await get('/logo.svg');
    expect(logo.body).toContain('<svg');
  });

  it('runs a server action (the form posted without JavaScript) and serves the ISR page', async () => {
    const page = await get('/actions');
    expect(page.status).toBe(200);
    // Next.js names the action in a hidden field of the form; a no-JS submit posts it with the inputs.
    const actionField = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(page.body)?.[1];
    expect(actionField).toBeDefined();
    const boundary = 'nextdeployboundary';
    const part = (name: string, value: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = `${part(actionField!, '')}${part('name', 'grace')}--${boundary}--\r\n`;
    const posted = await stack.cf.edgeRequest(ROUTER_HOST, '/actions', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, origin: `https://${ROUTER_HOST}` },
      body,
    });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toContain('/actions?saved=grace');
    expect(String(posted.headers['set-cookie'])).toContain('visitor=grace');

    const isr = await get('/isr');
    expect(isr.status).toBe(200);
    expect(isr.body).toMatch(/generated <!-- -->\d{4}-/);
  });

  it('a second version goes live from the same build; rollback to the first serves the first version again', async () => {
    const v2 = await deploy('v2');
    expect(v2.error).toBeUndefined();
    expect(v2.result).toMatchObject({ status: 'live', liveVersion: 'v2' });
    const now = await get('/', { cookie: 'visitor=ada' });
    expect(now.body).toContain('version <!-- -->v2');
    expect(now.headers['x-nextdeploy-version']).toBe('v2');
    expect(deployedTag()).toBe('v2');

    const checks = { hostname: ROUTER_HOST, paths: ['/'], expectVersionHeader: true, requestTimeoutMs: 10_000, propagationWindowMs: 1_500, retryIntervalMs: 200 };
    const rollback = await requestRollback(stack.client, { app: APP, accountId: stack.cf.accountId, kvNamespaceId: stack.kvNamespaceId, checks, toVersion: 'v1', reason: 'test' }, { taskQueue: stack.taskQueue });
    expect(await rollback.result()).toMatchObject({ status: 'rolled_back', liveVersion: 'v1' });
    const back = await get('/', { cookie: 'visitor=ada' });
    expect(back.headers['x-nextdeploy-version']).toBe('v1');
    expect(deployedTag()).toBe('v1');
    expect(back.body).toContain('version <!-- -->v1');
    // The same bytes as v1's first answer, apart from what differs per request.
    const stable = (html: string) => html.replace(/[0-9a-f-]{36}|\d{4}-\d\d-\d\dT[\d:.]+Z/g, '#');
    expect(stable(back.body)).toBe(stable(v1Page));
  });
});

describe('the same build with Cloudflare-native routing (no router in the path)', () => {
  const NATIVE_APP = 'native';
  const NATIVE_SCRIPT = 'nextdeploy-native';
  const NATIVE_HOST = 'native.nextdeploy.test';
  const nativeInput = (version: string) => ({
    ...deployInput(version),
    app: NATIVE_APP,
    source: { type: 'workers', path: snapshotBuild(bundleDir, NATIVE_APP, version), script: NATIVE_SCRIPT, subdomain: SUBDOMAIN, routing: 'native' },
    metadata: { app: NATIVE_APP, version, defaultTarget: `https://${NATIVE_SCRIPT}.${SUBDOMAIN}.workers.dev`, routes: {} },
    hostname: NATIVE_HOST,
    checks: { paths: ['/', '/about'], propagationWindowMs: 1_500, retryIntervalMs: 200, requestTimeoutMs: 10_000 },
  });
  const nativeDeploy = async (version: string) => {
    const { handle } = await startDeploy(stack.client, nativeInput(version), { taskQueue: stack.taskQueue });
    return handle.result();
  };
  const domainsOf = () => (stack.cf.state() as unknown as { workerDomains: { hostname: string; service: string }[] }).workerDomains.filter((d) => d.hostname === NATIVE_HOST);

  it('attaches the hostname as the Worker\'s custom domain; the flip and a rollback move Cloudflare\'s deployment', async () => {
    expect(await nativeDeploy('n1')).toMatchObject({ status: 'live', liveVersion: 'n1' });
    expect(domainsOf().map((d) => d.service)).toEqual([NATIVE_SCRIPT]);
    const first = await stack.cf.edgeRequest(NATIVE_HOST, '/about');
    expect(first.body).toContain('<span id="version">n1</span>');
    // Cloudflare answers, not the router: no router header.
    expect(first.headers['x-nextdeploy-version']).toBeUndefined();

    expect(await nativeDeploy('n2')).toMatchObject({ status: 'live', liveVersion: 'n2' });
    expect((await stack.cf.edgeRequest(NATIVE_HOST, '/about')).body).toContain('<span id="version">n2</span>');

    const checks = { hostname: NATIVE_HOST, paths: ['/about'], expectVersionHeader: false, requestTimeoutMs: 10_000, propagationWindowMs: 1_500, retryIntervalMs: 200 };
    const rollback = await requestRollback(stack.client, { app: NATIVE_APP, accountId: stack.cf.accountId, kvNamespaceId: stack.kvNamespaceId, checks, toVersion: 'n1' }, { taskQueue: stack.taskQueue });
    expect(await rollback.result()).toMatchObject({ status: 'rolled_back', liveVersion: 'n1' });
    expect((await stack.cf.edgeRequest(NATIVE_HOST, '/about')).body).toContain('<span id="version">n1</span>');
  });

  it('a failed first deploy takes the custom domain away again', async () => {
    const input = { ...nativeInput('x1'), app: 'native-fails', hostname: 'native-fails.nextdeploy.test', checks: { paths: ['/no-such-page'], propagationWindowMs: 500, retryIntervalMs: 100, requestTimeoutMs: 5_000 } };
    input.metadata = { ...input.metadata, app: 'native-fails' };
    input.source = { ...input.source, path: snapshotBuild(bundleDir, 'native-fails', 'x1'), script: 'nextdeploy-native-fails' };
    input.metadata.defaultTarget = `https://nextdeploy-native-fails.${SUBDOMAIN}.workers.dev`;
    const { handle } = await startDeploy(stack.client, input, { taskQueue: stack.taskQueue });
    expect(await handle.result()).toMatchObject({ status: 'rolled_back', failureType: 'CHECKS_FAILED' });
    const st = stack.cf.state() as unknown as { workerDomains: { hostname: string }[] };
    expect(st.workerDomains.filter((d) => d.hostname === 'native-fails.nextdeploy.test')).toEqual([]);
  });
});

