// End to end: Temporal dev server + a real worker + the local Cloudflare with the router Worker.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { kvKeys } from '../core/kv-records.ts';
import { deployWorkflowId, progressQuery, type DeployResult } from '../core/workflow-contracts.ts';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { startLocalDeployStack, LOCAL_APPS_DOMAIN, type LocalDeployStack } from '../worker/local-stack.ts';
import { DeployAlreadyRunningError, requestRollback, startDeploy } from './client.ts';

let stack: LocalDeployStack;
const APP = 'app123';
const HOST = `${APP}.nextdeploy.test`;
const ROUTER_HOST = `${APP}.${LOCAL_APPS_DOMAIN}`;

function site(version: string, withHealth = true): string {
  const dir = mkdtempSync(path.join(tmpdir(), `nextdeploy-${version}-`));
  const files: Record<string, string> = { 'index.html': `<h1>${version}</h1>`, 'blog/index.html': `<h1>blog ${version}</h1>`, '404.html': 'not found' };
  if (withHealth) files['health.html'] = 'ok';
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), body);
  }
  return dir;
}

function deployInput(version: string, dir: string) {
  return {
    app: APP,
    version,
    accountId: stack.cf.accountId,
    zoneId: stack.cf.zone.id,
    kvNamespaceId: stack.kvNamespaceId,
    pagesProject: 'demo',
    source: { type: 'directory', path: dir, branch: 'main' },
    metadata: { app: APP, version, defaultTarget: 'https://demo.pages.dev', routes: { '/blog': 'https://demo.pages.dev' } },
    hostname: HOST,
    checks: { hostname: ROUTER_HOST, paths: ['/', '/blog', '/health'], propagationWindowMs: 1_500, retryIntervalMs: 200, requestTimeoutMs: 3_000 },
    timing: { buildTimeoutMs: 60_000, pollInitialIntervalMs: 100, pollMaxIntervalMs: 500, domainTimeoutMs: 60_000, bakeMs: 0 },
  };
}

async function deploy(version: string, dir: string): Promise<{ result?: DeployResult; error?: unknown; workflowId: string; runId: string }> {
  const { handle } = await startDeploy(stack.client, deployInput(version, dir), { taskQueue: stack.taskQueue });
  const settled = await handle.result().then((result) => ({ result }), (error: unknown) => ({ error }));
  return { ...settled, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

const routerServes = async () => {
  const r = await stack.cf.edgeRequest(ROUTER_HOST, '/');
  return { body: r.body, version: r.headers['x-nextdeploy-version'] };
};
const dnsAt = (name: string) => stack.cf.state().dnsRecords.filter((r) => r.record.name === name).map((r) => r.record);
const domainsNamed = (name: string) => stack.cf.state().domains.filter((d: { name: string }) => d.name === name);
const finished: { workflowId: string; runId: string }[] = [];

beforeAll(async () => {
  stack = await startLocalDeployStack({ cloudflare: { timing: { directUploadStepMs: 30, buildStepMs: 30, domainActivationMs: 300 } } });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a deploy on the dev server, a real worker and the local Cloudflare', () => {
  it('goes live and the router serves the new version; the next one replaces it without duplicates under 429/5xx faults', async () => {
    const v1 = await deploy('v1', site('v1'));
    finished.push(v1);
    expect(v1.error).toBeUndefined();
    expect(v1.result?.reason).toBeUndefined();
    expect(v1.result).toMatchObject({ status: 'live', liveVersion: 'v1' });
    expect(await routerServes()).toEqual({ body: '<h1>v1</h1>', version: 'v1' });
    expect(dnsAt(HOST)).toMatchObject([{ type: 'CNAME', content: 'demo.pages.dev', proxied: true }]);
    expect(domainsNamed(HOST)).toHaveLength(1);

    stack.cf.clearMutations();
    // The create lands after the client gave up (SDK timeout 5 s): the retry must find it, not create another.
    stack.cf.addFault({ operation: 'pages.projects.deployments.create', latencyMs: 6_000, count: 1 });
    stack.cf.addFault({ operation: 'pages.projects.deployments.list', status: 503, count: 1 });
    stack.cf.addFault({ operation: 'pages.assets.upload', status: 429, code: 971, retryAfter: 1, count: 1 });
    stack.cf.addFault({ operation: 'kv.namespaces.values.update', status: 500, count: 2 });
    stack.cf.addFault({ operation: 'dns.records.list', status: 429, code: 971, retryAfter: 1, count: 1 });
    const v2 = await deploy('v2', site('v2'));
    finished.push(v2);
    expect(v2.error).toBeUndefined();
    expect(v2.result).toMatchObject({ status: 'live', liveVersion: 'v2' });
    expect(await routerServes()).toEqual({ body: '<h1>v2</h1>', version: 'v2' });
    const v2Progress = await stack.client.workflow.getHandle(v2.workflowId, v2.runId).query(progressQuery);
    expect(v2Progress.steps.find((st) => st.name === 'trigger')?.detail).toMatch(/^found deployment/);
    const mutations = stack.cf.mutations();
    expect(mutations.some((m) => m.outcome === 'fault')).toBe(true);
    const applied = (op: string) => mutations.filter((m) => m.operation === op && m.outcome === 'applied');
    expect(applied('pages.projects.deployments.create')).toHaveLength(1);
    expect(applied('dns.records.create')).toHaveLength(0);
    expect(applied('pages.projects.domains.create')).toHaveLength(0);
  });

  it('refuses a second deploy of the app while one runs, naming the running one', async () => {
    const { handle } = await startDeploy(stack.client, deployInput('v-slow', site('v-slow')), { taskQueue: stack.taskQueue });
    const second = await startDeploy(stack.client, deployInput('v-other', site('v-other')), { taskQueue: stack.taskQueue }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DeployAlreadyRunningError);
    expect((second as Error).message).toContain(deployWorkflowId(APP));
    expect((second as Error).message).toContain('v-slow');
    await handle.cancel();
    await handle.result().catch(() => undefined);
    expect((await handle.query(progressQuery)).status).toMatch(/failed|rolled_back/);
    expect(await routerServes()).toMatchObject({ version: 'v2' });
  });

  it('rolls back when a check fails: the previous version is served again, DNS and domain restored', async () => {
    // Someone else's DNS record and no custom domain: the failed deploy must put both back.
    const [record] = dnsAt(HOST);
    const api = (await import('../activities/cloudflare.ts')).createCloudflareClient({ apiToken: stack.cf.token, baseURL: stack.cf.apiBaseUrl });
    await api.dns.records.edit(record!.id, { zone_id: stack.cf.zone.id, type: 'CNAME', name: HOST, content: 'legacy.example.net', proxied: false, ttl: 300 });
    await api.pages.projects.domains.delete(HOST, { account_id: stack.cf.accountId, project_name: 'demo' });

    const v3 = await deploy('v3', site('v3', false));
    finished.push(v3);
    expect(v3.error).toBeUndefined();
    expect(v3.result).toMatchObject({ status: 'rolled_back', failureType: NOT_RETRYABLE.CHECKS_FAILED, liveVersion: 'v2' });
    expect(v3.result?.reason).toContain('/health');
    expect(v3.result?.compensations.map((c) => [c.name, c.status])).toEqual([
      ['flip-back', 'succeeded'], ['mark-version-failed', 'succeeded'], ['detach-domain', 'succeeded'], ['restore-dns', 'succeeded'],
    ]);
    expect(await routerServes()).toEqual({ body: '<h1>v2</h1>', version: 'v2' });
    expect(dnsAt(HOST)).toMatchObject([{ type: 'CNAME', content: 'legacy.example.net', proxied: false, ttl: 300 }]);
    expect(domainsNamed(HOST)).toHaveLength(0);
    const versions = JSON.parse(await (await api.kv.namespaces.values.get(kvKeys.versions(APP), { account_id: stack.cf.accountId, namespace_id: stack.kvNamespaceId })).text()) as { version: string; state: string }[];
    expect(versions.find((v) => v.version === 'v3')?.state).toBe('failed');
  });

  it('rolls back by hand to a named version, and refuses a failed one', async () => {
    const checks = { hostname: ROUTER_HOST, paths: ['/'], expectVersionHeader: true, requestTimeoutMs: 3_000, propagationWindowMs: 1_500, retryIntervalMs: 200 };
    const base = { app: APP, accountId: stack.cf.accountId, kvNamespaceId: stack.kvNamespaceId, checks };
    const refused = await (await requestRollback(stack.client, { ...base, toVersion: 'v3' }, { taskQueue: stack.taskQueue })).result().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowFailedError);
    expect(((refused as WorkflowFailedError).cause as { type?: string }).type).toBe(NOT_RETRYABLE.ROLLBACK_TARGET_INVALID);
    const handle = await requestRollback(stack.client, { ...base, toVersion: 'v1', reason: 'v2 is slow' }, { taskQueue: stack.taskQueue });
    expect(await handle.result()).toMatchObject({ status: 'rolled_back', liveVersion: 'v1' });
    finished.push({ workflowId: handle.workflowId, runId: handle.signaledRunId });
    expect(await routerServes()).toEqual({ body: '<h1>v1</h1>', version: 'v1' });
  });

  it('a first deploy on the router\'s own hostname gets its certificate: validation goes through the router to the pending version', async () => {
    const app = 'fresh1';
    const host = `${app}.${LOCAL_APPS_DOMAIN}`;
    const base = deployInput('v1', site('fresh-v1'));
    const input = { ...base, app, hostname: host, metadata: { ...base.metadata, app }, checks: { ...base.checks, hostname: host } };
    const { handle } = await startDeploy(stack.client, input, { taskQueue: stack.taskQueue });
    expect(await handle.result()).toMatchObject({ status: 'live', liveVersion: 'v1' });
    const [domain] = domainsNamed(host) as { validatedAtMs?: number; validation_error?: string }[];
    expect(domain?.validatedAtMs).toBeTypeOf('number');
    expect(domain?.validation_error).toBeUndefined();
    expect((await stack.cf.edgeRequest(host, '/')).headers['x-nextdeploy-version']).toBe('v1');
  });

  it('keeps the token out of every finished history, and histories small', async () => {
    expect(finished.length).toBeGreaterThanOrEqual(4);
    for (const { workflowId, runId } of finished) {
      const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
      const text = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
      expect(text).not.toContain(stack.cf.token);
      expect(text).toContain(APP);
      expect(history.events?.length ?? 0).toBeLessThan(300);
    }
  });
});
