import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startWorkflowTestEnvironment } from './test-environment.ts';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { ROLLBACK_WORKFLOW_TYPE } from '../core/workflow-contracts.ts';
import { createFakeActivities } from './fake-activities.ts';
import type { rollbackWorkflow } from './rollback.ts';

// The manual rollback workflow on a time-skipping server with the fake activities (the deploy's
// own tests are in deploy.test.ts).
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;
let counter = 0;

beforeAll(async () => {
  ({ env, workflowBundle } = await startWorkflowTestEnvironment());
});
afterAll(async () => {
  await env?.teardown();
});

const failureType = (error: unknown) => ((error as WorkflowFailedError).cause as ApplicationFailure).type;

describe('the rollback workflow (time-skipping, fake activities)', () => {
  it('flips to the named version and checks it', async () => {
    const fake = createFakeActivities();
    const taskQueue = `rollback-test-${++counter}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: fake.activities });
    const result = await worker.runUntil(
      env.client.workflow.execute<typeof rollbackWorkflow>(ROLLBACK_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `rollback-${counter}`,
        args: [{ app: 'app123', accountId: 'a'.repeat(32), kvNamespaceId: 'c'.repeat(32), toVersion: 'v0', checks: { hostname: 'app123.nextdeploy.test', paths: ['/'], expectVersionHeader: true, requestTimeoutMs: 1000, propagationWindowMs: 1000, retryIntervalMs: 100 } }],
      }),
    );
    expect(result).toMatchObject({ status: 'rolled_back', version: 'v0', liveVersion: 'v0' });
    expect(fake.calls).toEqual(['resolveRollbackTarget', 'flipActive', 'runChecks']);
  });

  it('refuses a failed version', async () => {
    const fake = createFakeActivities();
    const taskQueue = `rollback-test-${++counter}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: fake.activities });
    const error = await worker
      .runUntil(
        env.client.workflow.execute<typeof rollbackWorkflow>(ROLLBACK_WORKFLOW_TYPE, {
          taskQueue,
          workflowId: `rollback-${counter}`,
          args: [{ app: 'app123', accountId: 'a'.repeat(32), kvNamespaceId: 'c'.repeat(32), toVersion: 'v-failed', checks: { hostname: 'h.nextdeploy.test', paths: ['/'], expectVersionHeader: true, requestTimeoutMs: 1000, propagationWindowMs: 0, retryIntervalMs: 100 } }],
        }),
      )
      .catch((e: unknown) => e);
    expect(failureType(error)).toBe(NOT_RETRYABLE.ROLLBACK_TARGET_INVALID);
    expect(fake.calls).toEqual(['resolveRollbackTarget']);
  });
});
