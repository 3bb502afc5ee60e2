import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { createTimeSkippingEnvironment } from './time-skipping.ts';
import { sleepTwoHours } from './fixtures/workflows.ts';

const workflowsPath = fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url));

describe('the time-skipping test server provisioned by the project', () => {
  it('completes a workflow that sleeps for two hours in seconds', async () => {
    const env = await createTimeSkippingEnvironment();
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'time-skipping',
        workflowsPath,
      });
      const wallStart = Date.now();
      const { sleptMs } = await worker.runUntil(
        env.client.workflow.execute(sleepTwoHours, { taskQueue: 'time-skipping', workflowId: 'sleep-2h' }),
      );
      expect(sleptMs).toBeGreaterThanOrEqual(2 * 60 * 60 * 1000);
      expect(Date.now() - wallStart).toBeLessThan(60_000);
    } finally {
      await env.teardown();
    }
  });
});
