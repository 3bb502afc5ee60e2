// Retention on the local stack: five real deploys, a rollback to an old version, then the
// `retention-<app>` schedule prunes what lies beyond the limit, never live or previous.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvKeys } from '../core/kv-records.ts';
import { startLocalDeployStack, LOCAL_APPS_DOMAIN, type LocalDeployStack } from '../worker/local-stack.ts';
import { requestRollback, startDeploy } from './client.ts';
import { ensureRetentionSchedule, retentionScheduleId, RETENTION_WORKFLOW_TYPE } from './retention-schedule.ts';
import type { RetentionInput, RetentionResult } from './retention.ts';

const APP = 'ret1';
const PROJECT = 'ret';
const ROUTER_HOST = `${APP}.${LOCAL_APPS_DOMAIN}`;
let stack: LocalDeployStack;
let api: Cloudflare;
/** Deployment id of each version. */
const deploymentOf: Record<string, string> = Object.create(null);

function site(version: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `nextdeploy-ret-${version}-`));
  writeFileSync(path.join(dir, 'index.html'), `<h1>${version}</h1>`);
  return dir;
}

async function deploy(version: string): Promise<void> {
  const { handle } = await startDeploy(
    stack.client,
    {
      app: APP,
      version,
      accountId: stack.cf.accountId,
      zoneId: stack.cf.zone.id,
      kvNamespaceId: stack.kvNamespaceId,
      pagesProject: PROJECT,
      source: { type: 'directory', path: site(version), branch: 'main' },
      metadata: { app: APP, version, defaultTarget: `https://${PROJECT}.pages.dev`, routes: {} },
      hostname: `${APP}.nextdeploy.test`,
      checks: { hostname: ROUTER_HOST, paths: ['/'], propagationWindowMs: 1_500, retryIntervalMs: 200, requestTimeoutMs: 3_000 },
      timing: { buildTimeoutMs: 60_000, pollInitialIntervalMs: 100, pollMaxIntervalMs: 500, domainTimeoutMs: 60_000, bakeMs: 0 },
    },
    { taskQueue: stack.taskQueue },
  );
  const result = await handle.result();
  expect(result.status).toBe('live');
  deploymentOf[version] = result.deployment!.id;
}

const kvGet = async (key: string) => {
  try {
    return await (await api.kv.namespaces.values.get(key, { account_id: stack.cf.accountId, namespace_id: stack.kvNamespaceId })).text();
  } catch (err) {
    if (err instanceof Cloudflare.NotFoundError) return null;
    throw err;
  }
};
const listedVersions = async () => (JSON.parse((await kvGet(kvKeys.versions(APP)))!) as { version: string; state: string }[]).map((e) => `${e.version}:${e.state}`);
const versionsWithKeys = async () => {
  const out: string[] = [];
  for await (const k of api.kv.namespaces.keys.list(stack.kvNamespaceId, { account_id: stack.cf.accountId, prefix: `${APP}:routes:` })) out.push(k.name.split(':')[2]!);
  return out.sort();
};
const deploymentIds = () => new Set(stack.cf.state().deployments.filter((d: { project_name: string }) => d.project_name === PROJECT).map((d: { id: string }) => d.id));
const input = (keep: number): RetentionInput => ({ app: APP, accountId: stack.cf.accountId, kvNamespaceId: stack.kvNamespaceId, pagesProject: PROJECT, keep, minAgeMs: 0 });

beforeAll(async () => {
  stack = await startLocalDeployStack({ projects: [PROJECT], cloudflare: { timing: { directUploadStepMs: 20, buildStepMs: 20, domainActivationMs: 100 } } });
  api = new Cloudflare({ apiToken: stack.cf.token, baseURL: stack.cf.apiBaseUrl, maxRetries: 0 });
  for (const v of ['v1', 'v2', 'v3', 'v4', 'v5']) await deploy(v);
  const checks = { hostname: ROUTER_HOST, paths: ['/'], expectVersionHeader: true, requestTimeoutMs: 3_000, propagationWindowMs: 1_500, retryIntervalMs: 200 };
  const rollback = await requestRollback(stack.client, { app: APP, accountId: stack.cf.accountId, kvNamespaceId: stack.kvNamespaceId, checks, toVersion: 'v2' }, { taskQueue: stack.taskQueue });
  expect(await rollback.result()).toMatchObject({ liveVersion: 'v2' });
  // Keys of a version the versions list already dropped (writeVersionKeys trims the list only).
  for (const key of [kvKeys.routes(APP, 'v0'), kvKeys.defaultTarget(APP, 'v0')]) {
    await api.kv.namespaces.values.update(key, { account_id: stack.cf.accountId, namespace_id: stack.kvNamespaceId, value: '{}' });
  }
}, 240_000);
afterAll(async () => {
  await stack?.stop();
});

describe('retention on the local Cloudflare', () => {
  it('runs from the schedule retention-<app> and prunes beyond the limit, keeping live (v2) and previous (v5)', async () => {
    expect(await versionsWithKeys()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    const { scheduleId, created } = await ensureRetentionSchedule(stack.client, input(2), { taskQueue: stack.taskQueue, runNow: true });
    expect([scheduleId, created]).toEqual([retentionScheduleId(APP), true]);
    // Same id again: updated in place, not duplicated.
    expect((await ensureRetentionSchedule(stack.client, input(2), { taskQueue: stack.taskQueue })).created).toBe(false);

    const schedule = stack.client.schedule.getHandle(scheduleId);
    let workflowId: string | undefined;
    for (let i = 0; i < 200 && !workflowId; i += 1) {
      const d = await schedule.describe();
      workflowId = d.info.recentActions[0]?.action.workflow.workflowId ?? d.info.runningActions[0]?.workflow.workflowId;
      if (!workflowId) await new Promise((r) => setTimeout(r, 100));
    }
    const result = (await stack.client.workflow.getHandle(workflowId!).result()) as RetentionResult;
    expect(result).toMatchObject({ live: 'v2', previous: 'v5' });
    expect(result.versions.deleted.sort()).toEqual(['v0', 'v1', 'v3']);

    expect(await listedVersions()).toEqual(['v2:live', 'v4:retired', 'v5:retired']);
    expect(await versionsWithKeys()).toEqual(['v2', 'v4', 'v5']);
    expect(await kvGet(kvKeys.defaultTarget(APP, 'v1'))).toBeNull();
    expect(await kvGet(kvKeys.defaultTarget(APP, 'v2'))).not.toBeNull();
    const left = deploymentIds();
    expect(['v1', 'v3'].map((v) => left.has(deploymentOf[v]!))).toEqual([false, false]);
    expect(['v2', 'v4', 'v5'].map((v) => left.has(deploymentOf[v]!))).toEqual([true, true, true]);
    // What the edge serves is untouched.
    const served = await stack.cf.edgeRequest(ROUTER_HOST, '/');
    expect([served.body, served.headers['x-nextdeploy-version']]).toEqual(['<h1>v2</h1>', 'v2']);
    await schedule.delete();
  });

  it('never prunes live or previous, even with keep 1', async () => {
    const result = await stack.client.workflow.execute(RETENTION_WORKFLOW_TYPE, { taskQueue: stack.taskQueue, workflowId: `retention-${APP}-keep1`, args: [input(1)] }) as RetentionResult;
    expect(result.versions.deleted).toEqual(['v4']);
    expect(await listedVersions()).toEqual(['v2:live', 'v5:retired']);
    expect(await versionsWithKeys()).toEqual(['v2', 'v5']);
    const left = deploymentIds();
    expect(['v2', 'v4', 'v5'].map((v) => left.has(deploymentOf[v]!))).toEqual([true, false, true]);
  });
});
