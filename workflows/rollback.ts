import { ApplicationFailure, setHandler, workflowInfo } from '@temporalio/workflow';
import { NOT_RETRYABLE } from '../core/failures.ts';
import {
  ROLLBACK_STEPS,
  progressQuery,
  rollbackSignal,
  type DeployResult,
  type RollbackInput,
  type RollbackRequest,
} from '../core/workflow-contracts.ts';
import { activities } from './activity-options.ts';
import { runChecks } from './checks.ts';
import { withFailureType } from './failures.ts';
import { ProgressTracker } from './progress.ts';

/**
 * Manual rollback after a deploy has finished: flip the app to the previous (or a named)
 * version, which must exist and not be failed, then run the checks. It runs under the deploy's
 * workflow id (`deploy-<app>`), so Temporal serializes it with deploys of the same app; started
 * with signal-with-start, the `rollback` signal's `toVersion`/`reason` choose the target.
 * A failed check does not flip again: the operator chose this version; the result says so.
 */
export async function rollbackWorkflow(input: RollbackInput): Promise<DeployResult> {
  let signalled: RollbackRequest | null = null;
  // Registered before the first await, so a signal-with-start's signal is already here below.
  setHandler(rollbackSignal, (request) => {
    signalled ??= { ...(request ?? {}) };
  });
  const requested = signalled as RollbackRequest | null;
  const toVersionWanted = input.toVersion ?? requested?.toVersion;
  const reason = input.reason ?? requested?.reason ?? 'manual rollback';
  const progress = new ProgressTracker(input.app, toVersionWanted ?? '(previous)', ROLLBACK_STEPS);
  setHandler(progressQuery, () => progress.snapshot());
  const kv = { accountId: input.accountId, kvNamespaceId: input.kvNamespaceId, app: input.app };

  try {
    const target = await progress.run(
      'preflight',
      () => withFailureType(activities.resolveRollbackTarget.executeWithOptions({ summary: `resolve rollback target of ${input.app}` }, [{ ...kv, toVersion: toVersionWanted }])),
      (t) => `${t.fromVersion} → ${t.toVersion}`,
    );
    await progress.run(
      'flip',
      () =>
        withFailureType(
          activities.flipActive.executeWithOptions({ summary: `flip ${input.app} to ${target.toVersion}` }, [
            { ...kv, version: target.toVersion, activatedBy: `rollback:${workflowInfo().workflowId}`, previousState: 'retired', reason },
          ]),
        ),
      () => `live: ${target.toVersion}`,
    );
    await progress.run('checks', async () => {
      const report = await runChecks(input.checks, target.toVersion, input.checks.propagationWindowMs, `checks on ${input.checks.hostname}`);
      if (!report.ok) throw ApplicationFailure.nonRetryable(`rolled back to ${target.toVersion}, but ${report.summary}`, NOT_RETRYABLE.CHECKS_FAILED);
      return report;
    }, (r) => r.summary);
    progress.setStatus('rolled_back');
    return { status: 'rolled_back', app: input.app, version: target.toVersion, reason, liveVersion: target.toVersion, compensations: [] };
  } catch (err) {
    progress.setStatus('failed');
    throw err;
  }
}
