// The deploy webhook from the workflow's side: one notification per final status, also when the
// deploy is cancelled, and a receiver that never answers does not change the outcome.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnvironment } from '../devstack/time-skipping.ts';
import { DEPLOY_WORKFLOW_TYPE } from '../core/workflow-contracts.ts';
import type { NextdeployActivities } from '../activities/types.ts';
import { createFakeActivities, createGate, sampleDeployInput, type FakeBehaviour } from './fake-activities.ts';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;
let counter = 0;

beforeAll(async () => {
  const noop = () => {};
  [env, workflowBundle] = await Promise.all([
    createTimeSkippingEnvironment(),
    bundleWorkflowCode({ workflowsPath, logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop } }),
  ]);
});
afterAll(async () => {
  await env?.teardown();
});

const input = sampleDeployInput({ checks: { paths: ['/'], propagationWindowMs: 1_000, retryIntervalMs: 100 } });

async function run(behaviour: FakeBehaviour, options: { cancelDuring?: keyof NextdeployActivities; webhookDown?: boolean } = {}) {
  const gate = options.cancelDuring ? createGate(options.cancelDuring) : undefined;
  const fake = createFakeActivities(behaviour, gate);
  let attempts = 0;
  if (options.webhookDown) {
    fake.activities.notifyDeployFinished = async () => {
      attempts += 1;
      throw ApplicationFailure.retryable('webhook answered 503', 'WEBHOOK_UNAVAILABLE');
    };
  }
  const taskQueue = `notify-test-${++counter}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: fake.activities });
  const outcome = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(DEPLOY_WORKFLOW_TYPE, { taskQueue, workflowId: `notify-${counter}`, args: [input] });
    if (gate) {
      await gate.entered;
      await handle.cancel();
      // Release only once the cancel request is in history (the time-skipping server rejects a
      // cancel of an activity that completed in the same moment).
      for (let i = 0; i < 200; i += 1) {
        if ((await handle.fetchHistory()).events?.some((e) => e.activityTaskCancelRequestedEventAttributes)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      gate.release();
    }
    const settled = await handle.result().then((result: { status: string }) => ({ status: result.status }), (error: unknown) => ({ status: 'threw', error }));
    const scheduled = (await handle.fetchHistory()).events?.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []) ?? [];
    return { ...settled, activities: scheduled };
  });
  return { ...outcome, notifications: fake.notifications, attempts };
}

describe('the deploy webhook, from the workflow', () => {
  it('is called once with status live, the live version and the deployment URL', async () => {
    const { status, notifications } = await run({});
    expect(status).toBe('live');
    expect(notifications).toEqual([
      expect.objectContaining({ app: 'app123', version: 'v2', status: 'live', liveVersion: 'v2', url: 'https://abc12345.proj.pages.dev', workflowId: `notify-${counter}` }),
    ]);
  });

  it('is called with rolled_back and the reason when the checks fail', async () => {
    const { status, notifications } = await run({ checksPassingRounds: 0 });
    expect(status).toBe('rolled_back');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ status: 'rolled_back', liveVersion: 'v1' });
    expect(notifications[0]!.reason).toMatch(/^CHECKS_FAILED: /);
  });

  it('is called with failed and the failure type when the build fails', async () => {
    const { status, notifications } = await run({ buildOutcome: 'failure' });
    expect(status).toBe('threw');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ status: 'failed' });
    expect(notifications[0]!.reason).toMatch(/^BUILD_FAILED: /);
  });

  it('is called with cancelled after the compensations of a cancelled deploy', async () => {
    const { status, notifications } = await run({}, { cancelDuring: 'awaitDeployment' });
    expect(status).toBe('threw');
    expect(notifications).toEqual([expect.objectContaining({ status: 'cancelled', reason: expect.stringMatching(/^CANCELLED: /) })]);
  });

  it('is not scheduled at all when preflight reports that its worker has no webhook', async () => {
    const without = await run({ webhook: false });
    expect(without.status).toBe('live');
    expect(without.notifications).toEqual([]);
    expect(without.activities).not.toContain('notifyDeployFinished');
    const withOne = await run({ webhook: true });
    expect(withOne.notifications).toHaveLength(1);
  });

  it('is still sent when preflight never answered (whether the worker has a webhook is unknown)', async () => {
    const { status, notifications } = await run({ webhook: false, preflightFails: true });
    expect(status).toBe('threw');
    expect(notifications).toEqual([expect.objectContaining({ status: 'failed' })]);
  });

  it('is retried, and a receiver that stays down does not change the outcome', async () => {
    const { status, attempts } = await run({}, { webhookDown: true });
    expect(status).toBe('live');
    expect(attempts).toBeGreaterThan(2);
  });
});
