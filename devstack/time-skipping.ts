import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTemporalBinary } from './temporal-binaries.ts';

/**
 * A time-skipping test environment on the provisioned test server binary (the SDK would
 * otherwise download it from the internet).
 */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const binary = await resolveTemporalBinary('test-server', { quiet: true });
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: binary.path } },
  });
}
