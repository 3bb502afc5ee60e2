import { CancellationScope, log, patched, workflowInfo } from '@temporalio/workflow';
import type { DeployInput } from '../core/deploy-input.ts';
import type { DeployNotification } from '../activities/types.ts';
import { activities, NOTIFY } from './activity-options.ts';
import { NOTIFY_PATCH } from './patches.ts';
import { describeError } from './saga.ts';

/**
 * The webhook on the final status. The activity is always registered and no-ops on a worker
 * without a webhook configured, so neither a flag nor the secret enters the input; preflight
 * reports whether its worker has one, so a deploy on a worker without spares the activity. It
 * runs even when the deploy was cancelled, and its failure never changes the deploy's outcome.
 */
export async function notifyFinished(input: DeployInput, webhook: boolean | undefined, n: Pick<DeployNotification, 'status' | 'reason' | 'liveVersion' | 'url'>): Promise<void> {
  if (!patched(NOTIFY_PATCH)) return;
  // Preflight said its worker has no webhook: an activity that would only no-op is not scheduled.
  if (webhook === false) return;
  const info = workflowInfo();
  const notification: DeployNotification = {
    app: input.app,
    version: input.version,
    ...n,
    workflowId: info.workflowId,
    runId: info.runId,
    finishedAt: new Date().toISOString(),
  };
  await CancellationScope.nonCancellable(() =>
    activities.notifyDeployFinished.executeWithOptions({ ...NOTIFY, summary: `webhook: ${input.app}@${input.version} ${n.status}` }, [notification]),
  ).catch((err: unknown) => log.warn('deploy webhook not delivered', { app: input.app, version: input.version, status: n.status, error: describeError(err) }));
}
