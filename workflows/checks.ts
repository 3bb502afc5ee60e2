import type { CheckReport } from '../activities/types.ts';
import type { RollbackInput } from '../core/workflow-contracts.ts';
import { activities, checkOptions } from './activity-options.ts';
import { withFailureType } from './failures.ts';

/** The checks settings a deploy and a rollback share (the deploy's hostname already resolved). */
export type ChecksSettings = RollbackInput['checks'];

/**
 * One run of the synthetic checks through `checks.hostname`, over `windowMs`; `version` is the
 * version the response header must name (when the settings ask for it). The deploy (checks and
 * bake) and the rollback workflow build the same arguments here.
 */
export function runChecks(checks: ChecksSettings, version: string, windowMs: number, summary: string): Promise<CheckReport> {
  return withFailureType(
    activities.runChecks.executeWithOptions({ ...checkOptions(windowMs, checks.paths.length, checks.requestTimeoutMs), summary }, [
      {
        hostname: checks.hostname,
        paths: checks.paths,
        expectStatus: checks.expectStatus,
        expectVersion: checks.expectVersionHeader ? version : null,
        requestTimeoutMs: checks.requestTimeoutMs,
        windowMs,
        intervalMs: checks.retryIntervalMs,
      },
    ]),
  );
}
