import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startWorkflowTestEnvironment } from './test-environment.ts';
import type { DeployInput } from '../core/deploy-input.ts';
import { NOT_RETRYABLE, ROLLBACK_REASONS } from '../core/failures.ts';
import { DEPLOY_WORKFLOW_TYPE, deployWorkflowId, progressQuery, rollbackSignal, type DeployProgress } from '../core/workflow-contracts.ts';
import type { DeployStepName } from './deploy-steps.ts';
import type { NextdeployActivities } from '../activities/types.ts';
import { createFakeActivities, createGate, sampleDeployInput, type FakeBehaviour } from './fake-activities.ts';
import type { deployWorkflow } from './deploy.ts';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;
let counter = 0;

beforeAll(async () => {
  ({ env, workflowBundle } = await startWorkflowTestEnvironment());
});
afterAll(async () => {
  await env?.teardown();
});

/** Runs one workflow on a fresh worker with the fakes; `during` gets the handle while it runs. */
async function run(
  inp: DeployInput,
  behaviour: FakeBehaviour = {},
  options: { gate?: keyof NextdeployActivities; during?: (h: WorkflowHandle<typeof deployWorkflow>, gate?: ReturnType<typeof createGate>) => Promise<void> } = {},
) {
  const gate = options.gate ? createGate(options.gate) : undefined;
  const fake = createFakeActivities(behaviour, gate);
  const taskQueue = `deploy-test-${++counter}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: fake.activities });
  const outcome = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof deployWorkflow>(DEPLOY_WORKFLOW_TYPE, { taskQueue, workflowId: `${deployWorkflowId(inp.app)}-${counter}`, args: [inp] });
    if (options.during) await options.during(handle, gate);
    const settled = await handle.result().then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    const progress = await handle.query(progressQuery);
    const historyEvents = (await handle.fetchHistory()).events?.length ?? 0;
    return { ...settled, progress, historyEvents };
  });
  return { ...outcome, calls: fake.calls, dnsProxied: fake.dnsProxied, expectedVersions: fake.expectedVersions };
}

const COMPENSATIONS = new Set(['restoreDnsRecord', 'detachCustomDomain', 'markVersionFailed', 'restoreActive']);
const compensationsOf = (calls: string[]) => calls.filter((c) => COMPENSATIONS.has(c));
const failureType = (error: unknown) => ((error as WorkflowFailedError).cause as ApplicationFailure).type;
const stepStatus = (progress: DeployProgress, name: string) => progress.steps.find((s) => s.name === name)?.status;
const stepDetail = (progress: DeployProgress, name: string) => progress.steps.find((s) => s.name === name)?.detail;

async function waitForStatus(handle: WorkflowHandle, status: DeployProgress['status']): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if ((await handle.query(progressQuery)).status === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`workflow never reached ${status}`);
}

async function waitForStep(handle: WorkflowHandle, step: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if ((await handle.query(progressQuery)).currentStep === step) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`workflow never reached step ${step}`);
}

/** How long a step ran, in workflow time. */
function stepMs(progress: DeployProgress, name: string): number {
  const s = progress.steps.find((x) => x.name === name);
  return Date.parse(s?.endedAt ?? '') - Date.parse(s?.startedAt ?? '');
}

async function waitForEvent(handle: WorkflowHandle, attribute: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const history = await handle.fetchHistory();
    if (history.events?.some((e) => (e as Record<string, unknown>)[attribute])) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`history never got ${attribute}`);
}

describe('the deploy workflow (time-skipping, fake activities)', () => {
  it('goes live: every step in runbook order, nothing compensated', async () => {
    const { result, error, progress, calls } = await run(sampleDeployInput());
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ status: 'live', version: 'v2', liveVersion: 'v2', deployment: { id: 'dep-1' } });
    expect(calls).toEqual([
      'preflight', 'triggerDeployment', 'awaitDeployment', 'upsertDnsRecord', 'awaitCustomDomain',
      'writeVersionKeys', 'flipActive', 'runChecks',
    ]);
    expect(progress.status).toBe('live');
    expect(progress.steps.map((s) => [s.name, s.status])).toEqual([
      ['preflight', 'succeeded'], ['trigger', 'succeeded'], ['build', 'succeeded'], ['upload-version', 'skipped'], ['dns', 'succeeded'], ['domain', 'succeeded'],
      ['worker-domain', 'skipped'], ['kv-write', 'succeeded'], ['flip', 'succeeded'], ['checks', 'succeeded'], ['bake', 'skipped'],
    ]);
    expect(progress.steps.every((s) => s.status === 'skipped' || (s.startedAt && s.endedAt))).toBe(true);
  });

  it('a Workers deploy takes the Workers row: a version upload instead of trigger and build, DNS to the Worker, no Pages domain', async () => {
    const input = sampleDeployInput({
      source: { type: 'workers', path: '/builds/shop', script: 'shop', subdomain: 'acct' },
      metadata: { app: 'app123', version: 'v2', defaultTarget: 'https://shop.acct.workers.dev', routes: {} },
      customDomain: { enabled: false },
    });
    const { result, error, progress, calls } = await run(input);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ status: 'live', deployment: { id: '1a2b3c4d-0000-4000-8000-000000000001', shortId: '1a2b3c4d' } });
    expect(calls).toEqual(['preflight', 'uploadWorkerVersion', 'upsertDnsRecord', 'writeVersionKeys', 'flipActive', 'runChecks']);
    expect(progress.steps.map((s) => [s.name, s.status])).toEqual([
      ['preflight', 'succeeded'], ['trigger', 'skipped'], ['build', 'skipped'], ['upload-version', 'succeeded'], ['dns', 'succeeded'], ['domain', 'skipped'],
      ['worker-domain', 'skipped'], ['kv-write', 'succeeded'], ['flip', 'succeeded'], ['checks', 'succeeded'], ['bake', 'skipped'],
    ]);
    expect(stepDetail(progress, 'upload-version')).toContain('https://1a2b3c4d-shop.acct.workers.dev');
  });

  it('with Cloudflare-native routing the hostname becomes the Worker\'s custom domain (no DNS step), and a failed check puts the domain back', async () => {
    const input = sampleDeployInput({
      source: { type: 'workers', path: '/builds/shop', script: 'shop', subdomain: 'acct', routing: 'native' },
      metadata: { app: 'app123', version: 'v2', defaultTarget: 'https://shop.acct.workers.dev', routes: {} },
      customDomain: { enabled: false },
    });
    const live = await run(input);
    expect(live.result?.status).toBe('live');
    expect(live.calls).toEqual(['preflight', 'uploadWorkerVersion', 'attachWorkerDomain', 'writeVersionKeys', 'flipActive', 'runChecks']);
    expect(stepDetail(live.progress, 'dns')).toBe('a Workers custom domain brings its own DNS record');
    // The router adds x-nextdeploy-version; Cloudflare's own routing does not, so checks do not ask for it.
    expect(live.expectedVersions).toEqual([null]);
    const failed = await run(input, { checksPassingRounds: 0 });
    expect(failed.result?.status).toBe('rolled_back');
    expect(failed.calls.slice(-2)).toEqual(['markVersionFailed', 'restoreWorkerDomain']);
  });

  it('a first deploy announces its version pending before the domain (the router has no live record to send the certificate check to)', async () => {
    const { result, calls, progress } = await run(sampleDeployInput(), { activeVersion: null });
    expect(result?.status).toBe('live');
    expect(calls).toEqual([
      'preflight', 'triggerDeployment', 'awaitDeployment', 'upsertDnsRecord', 'announcePendingVersion', 'awaitCustomDomain',
      'writeVersionKeys', 'flipActive', 'runChecks',
    ]);
    expect(stepStatus(progress, 'domain')).toBe('succeeded');
    // Without a custom domain there is nothing to validate.
    expect((await run(sampleDeployInput({ customDomain: { enabled: false } }), { activeVersion: null })).calls).not.toContain('announcePendingVersion');
  });

  it('a first deploy whose certificate never comes marks the announced version failed, then detaches and restores DNS', async () => {
    const { error, calls, progress } = await run(sampleDeployInput(), { activeVersion: null, domainPendingAttempts: Infinity });
    expect(failureType(error)).toBe(NOT_RETRYABLE.DOMAIN_TIMEOUT);
    expect(compensationsOf(calls)).toEqual(['detachCustomDomain', 'markVersionFailed', 'restoreDnsRecord']);
    expect(stepStatus(progress, 'domain')).toBe('compensated');
    expect(stepStatus(progress, 'kv-write')).toBe('pending');
  });

  it('waits out a 30-minute build and a slow domain with backoff, in a small history', async () => {
    // 5 s → 30 s backoff: 62 polls ≈ 30 minutes of build, the same again for the certificate.
    const { result, progress, historyEvents } = await run(sampleDeployInput({ timing: { buildTimeoutMs: 40 * 60_000, domainTimeoutMs: 40 * 60_000, bakeMs: 0 } }), { buildPendingAttempts: 61, domainPendingAttempts: 61 });
    expect(result?.status).toBe('live');
    expect(progress.steps.find((s) => s.name === 'build')?.attempts).toBe(62);
    expect(historyEvents).toBeLessThan(100);
  });

  it('creates the CNAME unproxied and proxies it once the domain is active, when asked to', async () => {
    const { result, calls, dnsProxied } = await run(sampleDeployInput({ dns: { unproxiedUntilDomainActive: true } }));
    expect(result?.status).toBe('live');
    expect(dnsProxied).toEqual([false, true]);
    expect((await run(sampleDeployInput())).dnsProxied).toEqual([true]);
    expect(calls.slice(3, 6)).toEqual(['upsertDnsRecord', 'awaitCustomDomain', 'upsertDnsRecord']);
  });

  it('fails with BUILD_FAILED naming the stage when the build fails, with nothing to undo', async () => {
    const { error, progress, calls } = await run(sampleDeployInput(), { buildOutcome: 'failure' });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(failureType(error)).toBe(NOT_RETRYABLE.BUILD_FAILED);
    expect(((error as WorkflowFailedError).cause as Error).message).toContain('stage build');
    expect(compensationsOf(calls)).toEqual([]);
    expect(progress.status).toBe('failed');
    expect(stepStatus(progress, 'build')).toBe('failed');
  });

  it('fails with BUILD_TIMEOUT when the build never finishes within the build timeout', async () => {
    const { error, progress, calls } = await run(sampleDeployInput(), { buildPendingAttempts: Infinity });
    expect(failureType(error)).toBe(NOT_RETRYABLE.BUILD_TIMEOUT);
    expect(calls).not.toContain('upsertDnsRecord');
    expect(progress.status).toBe('failed');
  });

  it('waits for a slow certificate and goes live', async () => {
    const { result, error, progress } = await run(sampleDeployInput(), { domainPendingAttempts: 40 });
    expect(error).toBeUndefined();
    expect(result?.status).toBe('live');
    expect(progress.steps.find((s) => s.name === 'domain')?.attempts).toBe(41);
  });

  it('ends with DOMAIN_TIMEOUT when the certificate never comes, undoing domain then DNS', async () => {
    const { error, calls, progress } = await run(sampleDeployInput(), { domainPendingAttempts: Infinity });
    expect(failureType(error)).toBe(NOT_RETRYABLE.DOMAIN_TIMEOUT);
    expect(compensationsOf(calls)).toEqual(['detachCustomDomain', 'restoreDnsRecord']);
    expect(stepStatus(progress, 'domain')).toBe('compensated');
    expect(stepStatus(progress, 'dns')).toBe('compensated');
  });

  it('ends with DOMAIN_FAILED when the domain errors, and never detaches a domain it did not attach', async () => {
    const { error, calls } = await run(sampleDeployInput(), { domainOutcome: 'error', domainExisted: true });
    expect(failureType(error)).toBe(NOT_RETRYABLE.DOMAIN_FAILED);
    expect(compensationsOf(calls)).toEqual(['restoreDnsRecord']);
  });

  it('rolls back when the checks fail: full compensation in reverse order', async () => {
    const { result, error, calls, progress } = await run(sampleDeployInput(), { checksPassingRounds: 0 });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ status: 'rolled_back', failureType: NOT_RETRYABLE.CHECKS_FAILED, liveVersion: 'v1' });
    expect(compensationsOf(calls)).toEqual(['restoreActive', 'markVersionFailed', 'detachCustomDomain', 'restoreDnsRecord']);
    expect(result?.compensations.map((c) => c.name)).toEqual(['flip-back', 'mark-version-failed', 'detach-domain', 'restore-dns']);
    expect(progress.status).toBe('rolled_back');
    expect(stepStatus(progress, 'checks')).toBe('failed');
    expect(stepStatus(progress, 'flip')).toBe('compensated');
  });

  it('rolls back on a rollback signal during the bake', async () => {
    const { result, calls, progress } = await run(sampleDeployInput({ timing: { bakeMs: 10 * 60_000, bakeCheckIntervalMs: 30_000 } }), {}, {
      during: async (handle) => {
        await waitForStatus(handle, 'baking');
        await handle.signal(rollbackSignal, { reason: 'users report 500s' });
      },
    });
    expect(result).toMatchObject({ status: 'rolled_back', failureType: ROLLBACK_REASONS.SIGNAL });
    expect(result?.reason).toContain('users report 500s');
    expect(compensationsOf(calls)).toEqual(['restoreActive', 'markVersionFailed', 'detachCustomDomain', 'restoreDnsRecord']);
    expect(stepStatus(progress, 'bake')).toBe('failed');
  });

  // Each wait ends by the signal, not by its 20-minute window, undoing what the earlier steps did.
  const interruptedWaits: [string, DeployStepName, FakeBehaviour, string, string[], string][] = [
    ['during a long build: nothing to undo', 'build', { buildPendingAttempts: Infinity }, 'upsertDnsRecord', [], 'failed'],
    ['while the certificate is pending, undoing the domain and DNS', 'domain', { domainPendingAttempts: Infinity }, 'writeVersionKeys', ['detachCustomDomain', 'restoreDnsRecord'], 'compensated'],
  ];
  it.each(interruptedWaits)('stops at once on a rollback signal %s', async (_what, step, behaviour, notReached, undone, stepEnd) => {
    const { result, calls, progress } = await run(sampleDeployInput(), behaviour, {
      during: async (handle) => {
        await waitForStep(handle, step);
        await handle.signal(rollbackSignal, { reason: 'wrong branch' });
      },
    });
    expect(result).toMatchObject({ status: 'rolled_back', failureType: ROLLBACK_REASONS.SIGNAL, liveVersion: 'v1' });
    expect(result?.reason).toContain('wrong branch');
    expect(calls).not.toContain(notReached);
    expect(compensationsOf(calls)).toEqual(undone);
    expect(stepMs(progress, step)).toBeLessThan(60_000);
    expect(stepStatus(progress, step)).toBe(stepEnd);
  });

  it('rolls back when a check fails during the bake, and stays live when the bake passes', async () => {
    const failing = await run(sampleDeployInput({ timing: { bakeMs: 5 * 60_000, bakeCheckIntervalMs: 30_000 } }), { checksPassingRounds: 3 });
    expect(failing.result).toMatchObject({ status: 'rolled_back', failureType: ROLLBACK_REASONS.BAKE_CHECK_FAILED });
    const passing = await run(sampleDeployInput({ timing: { bakeMs: 5 * 60_000, bakeCheckIntervalMs: 60_000 } }));
    expect(passing.result?.status).toBe('live');
    expect(passing.calls.filter((c) => c === 'runChecks')).toHaveLength(6);
  });

  it('keeps compensating past a compensation that fails, and ends failed', async () => {
    const { error, calls, progress } = await run(sampleDeployInput(), { checksPassingRounds: 0, failingCompensations: ['markVersionFailed'] });
    expect(failureType(error)).toBe(NOT_RETRYABLE.CHECKS_FAILED);
    expect(compensationsOf(calls)).toEqual(['restoreActive', 'markVersionFailed', 'detachCustomDomain', 'restoreDnsRecord']);
    expect(progress.status).toBe('failed');
    expect(stepStatus(progress, 'kv-write')).toBe('compensation_failed');
  });

  const ALL_UNDO = ['restoreActive', 'markVersionFailed', 'detachCustomDomain', 'restoreDnsRecord'];
  const cancellations: [string, keyof NextdeployActivities | 'bake', string[]][] = [
    ['preflight', 'preflight', []],
    ['trigger', 'triggerDeployment', []],
    ['build', 'awaitDeployment', []],
    ['dns', 'upsertDnsRecord', ['restoreDnsRecord']],
    ['domain', 'awaitCustomDomain', ['detachCustomDomain', 'restoreDnsRecord']],
    ['kv-write', 'writeVersionKeys', ['markVersionFailed', 'detachCustomDomain', 'restoreDnsRecord']],
    ['flip', 'flipActive', ALL_UNDO],
    ['checks', 'runChecks', ALL_UNDO],
    ['bake', 'bake', ALL_UNDO],
  ];
  it.each(cancellations)('undoes what was done when cancelled during %s', async (_step, where, expected) => {
    const timing = where === 'bake' ? { bakeMs: 10 * 60_000 } : { bakeMs: 0 };
    const { error, calls, progress } = await run(sampleDeployInput({ timing }), {}, {
      gate: where === 'bake' ? undefined : where,
      during: async (handle, gate) => {
        if (gate) {
          await gate.entered;
          await handle.cancel();
          // Let the activity finish only once its cancellation is in history (the time-skipping
          // server rejects a cancel of an activity that completed in the same moment).
          await waitForEvent(handle, 'activityTaskCancelRequestedEventAttributes');
          gate.release();
        } else {
          await waitForStatus(handle, 'baking');
          await handle.cancel();
        }
      },
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(compensationsOf(calls)).toEqual(expected);
    expect(progress.status).toBe(expected.includes('restoreActive') ? 'rolled_back' : 'failed');
  });
});
