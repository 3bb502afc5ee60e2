// A test double of worker/main.ts for CLI tests: the real workflows with the workflow tests' fake
// activities, slowed down so progress is visible. The embedded stack runs it when
// NEXTDEPLOY_WORKER_ENTRY names this file; NEXTDEPLOY_FAKE_BEHAVIOUR (JSON) picks the outcome.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TASK_QUEUE } from '../../core/workflow-contracts.ts';
import { createFakeActivities, type FakeBehaviour } from '../../workflows/fake-activities.ts';

const behaviour = JSON.parse(process.env.NEXTDEPLOY_FAKE_BEHAVIOUR ?? '{}') as FakeBehaviour;
const delayMs = Number(process.env.NEXTDEPLOY_FAKE_DELAY_MS ?? 150);
const { activities } = createFakeActivities(behaviour);
const slowed = Object.fromEntries(
  Object.entries(activities).map(([name, fn]) => [
    name,
    async (...args: unknown[]) => {
      await new Promise((r) => setTimeout(r, delayMs));
      return (fn as (...a: unknown[]) => unknown)(...args);
    },
  ]),
);
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const worker = await Worker.create({
  connection,
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  taskQueue: TASK_QUEUE,
  workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
  activities: slowed,
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => worker.shutdown());
await worker.run();
await connection.close();
