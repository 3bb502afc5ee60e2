import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnvironment } from '../devstack/time-skipping.ts';

const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));

/** What a workflow test file runs against: a time-skipping server and the bundled workflows. */
export interface WorkflowTestEnvironment {
  env: TestWorkflowEnvironment;
  workflowBundle: WorkflowBundleWithSourceMap;
}

/** Starts the time-skipping server and bundles `workflows/index.ts` side by side (one per test file). */
export async function startWorkflowTestEnvironment(): Promise<WorkflowTestEnvironment> {
  const [env, workflowBundle] = await Promise.all([createTimeSkippingEnvironment(), bundleWorkflowCode({ workflowsPath, logger: quietLogger() })]);
  return { env, workflowBundle };
}

// The bundler's progress lines would bury the test report.
function quietLogger() {
  const noop = () => {};
  return { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
}
