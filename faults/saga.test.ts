/**
 * The saga: checks failing after the flip put the previous version back live and DNS and the
 * custom domain back as they were; so does cancelling the workflow in any runbook step, each
 * step in a deploy whose source runs it (a Workers app for upload-version, Pages for the rest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { cloudflareClient } from '../client/cloudflare.ts';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { DEPLOY_STEPS, type DeployStepName } from '../workflows/deploy-steps.ts';
import type { DeployInput } from '../core/deploy-input.ts';
import { deployFacts, hostFor, inputForStep, nativeHostFor, outcome, servedVersion, sourceKindOf, startDeploy, testDeployInput, waitForProgress, type TestDeployOptions } from './deploys.ts';
import { startFaultStack, type FaultStack } from './harness.ts';
import { holdInStep } from './holds.ts';
import { scanForToken } from './secrets.ts';

const LEGACY = 'legacy-origin.example.net';

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
  await stack.spawnWorker();
});
afterAll(async () => {
  await stack?.stop();
});

/** DNS, custom domain and live version of an app: what "as it was" compares. */
async function surface(app: string) {
  const facts = await deployFacts(stack, app);
  return {
    dns: facts.dnsRecords.map((r) => ({ type: r.record.type, content: r.record.content, proxied: r.record.proxied })),
    domains: facts.domains.map((d) => d.project_name),
    // Native routing's hostname: the Worker it is the custom domain of.
    workerDomains: stack.cf.state().workerDomains.filter((d) => d.hostname === nativeHostFor(app)).map((d) => d.service),
    live: facts.active?.version ?? null,
  };
}

/** Points the app's hostname elsewhere, as an operator's record would (so a restore is visible). */
async function setLegacyRecord(app: string): Promise<void> {
  const api = cloudflareClient(stack.token, stack.cf.apiBaseUrl);
  const name = hostFor(app);
  const existing = (await api.dns.records.list({ zone_id: stack.cf.zone.id, name: { exact: name } as never })).result;
  if (existing[0]) await api.dns.records.edit(existing[0].id, { zone_id: stack.cf.zone.id, type: 'CNAME', name, content: LEGACY, proxied: false, ttl: 300 });
  else await api.dns.records.create({ zone_id: stack.cf.zone.id, type: 'CNAME', name, content: LEGACY, proxied: false, ttl: 300 });
}

async function deployLive(app: string, version: string, source?: TestDeployOptions['source']): Promise<void> {
  const end = await outcome(await startDeploy(stack, testDeployInput(stack, app, { version, source })));
  expect(end.result?.status, `${app}@${version}: ${end.error?.message}`).toBe('live');
}

describe('checks failing after the flip', () => {
  it('first deploy of an app: nothing live again, the operator\'s DNS record back, the domain detached', async () => {
    await setLegacyRecord('saga-first');
    const before = await surface('saga-first');
    stack.edge.rule(hostFor('saga-first'), { status: 503 });
    try {
      const end = await outcome(await startDeploy(stack, testDeployInput(stack, 'saga-first', { checks: { propagationWindowMs: 1_000 } })));
      expect(end.result?.status).toBe('rolled_back');
      expect(end.result?.failureType).toBe(NOT_RETRYABLE.CHECKS_FAILED);
      expect(end.result?.liveVersion).toBeNull();
    } finally {
      stack.edge.rule(hostFor('saga-first'), undefined);
    }
    expect(await surface('saga-first')).toEqual(before);
    expect(before.dns).toEqual([{ type: 'CNAME', content: LEGACY, proxied: false }]);
    const facts = await deployFacts(stack, 'saga-first');
    expect(facts.versions?.map((v) => `${v.version}:${v.state}`)).toEqual(['v1:failed']);
  });

  it('second version: the previous version live again and served, DNS and domain unchanged', async () => {
    await deployLive('saga-prev', 'v1');
    const before = await surface('saga-prev');
    stack.edge.rule(hostFor('saga-prev'), { status: 503 });
    try {
      const end = await outcome(await startDeploy(stack, testDeployInput(stack, 'saga-prev', { version: 'v2', checks: { propagationWindowMs: 1_000 } })));
      expect(end.result?.status).toBe('rolled_back');
      expect(end.result?.liveVersion).toBe('v1');
    } finally {
      stack.edge.rule(hostFor('saga-prev'), undefined);
    }
    expect(await surface('saga-prev')).toEqual(before);
    const facts = await deployFacts(stack, 'saga-prev');
    expect(facts.versions?.map((v) => `${v.version}:${v.state}`)).toEqual(['v1:live', 'v2:failed']);
    expect(await servedVersion(stack, 'saga-prev', 'v1')).toBe('v1');
  });
});

describe('the workflow cancelled in each runbook step', () => {
  const appFor = (step: DeployStepName) => `cancel-${step}`;
  /** Each app's v2, the deploy cancelled in its step: of a source kind that runs the step. */
  const held = new Map<DeployStepName, DeployInput>();

  beforeAll(async () => {
    for (const step of DEPLOY_STEPS) {
      held.set(step, inputForStep(stack, appFor(step), step, { version: 'v2', bakeMs: step === 'bake' ? 60_000 : 0, checks: step === 'checks' ? { propagationWindowMs: 60_000 } : {} }));
    }
    // v1 of every app live first, from a source of v2's kind; then each app's record is
    // repointed, so a DNS step that ran changes something the saga must put back.
    await Promise.all(DEPLOY_STEPS.map((step) => deployLive(appFor(step), 'v1', sourceKindOf(held.get(step)!))));
    // A Workers custom domain's record is Cloudflare's own (it refuses other records at its name).
    for (const step of DEPLOY_STEPS) if (sourceKindOf(held.get(step)!) !== 'workers-native') await setLegacyRecord(appFor(step));
  });

  it.each(DEPLOY_STEPS.map((s) => [s]))('cancelled in %s: v1 live again, DNS and domain as before, v2 never live', async (step) => {
    const app = appFor(step);
    const before = await surface(app);
    expect(before.live).toBe('v1');
    const input = held.get(step)!;
    const lift = holdInStep(stack, step, input, 3_000);
    try {
      const handle = await startDeploy(stack, input);
      await waitForProgress(handle, (p) => p.currentStep === step, 30_000);
      await handle.cancel();
      const end = await outcome(handle);
      expect(end.error).toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    } finally {
      lift();
    }
    expect(await surface(app)).toEqual(before);
    const facts = await deployFacts(stack, app);
    const v2 = facts.versions?.filter((v) => v.version === 'v2').map((v) => v.state) ?? [];
    expect(v2.every((s) => s === 'failed')).toBe(true);
    expect(facts.versions?.find((v) => v.version === 'v1')?.state).toBe('live');
    expect(await servedVersion(stack, app, 'v1', undefined, input.hostname)).toBe('v1');
  });

  it('no history, log or captured output holds the token', async () => {
    expect(await scanForToken(stack)).toEqual([]);
  });
});
