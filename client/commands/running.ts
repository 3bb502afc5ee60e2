import type { Client } from '@temporalio/client';
import { deployWorkflowId, ROLLBACK_WORKFLOW_TYPE } from '../../core/workflow-contracts.ts';
import { queryProgress } from '../follow.ts';
import { webUiLink, type Target } from '../target.ts';

/** The refusal for a second deploy: which run is going on, how to watch it and how to stop it. */
export async function describeRunning(client: Client, target: Target, app: string): Promise<string[]> {
  const workflowId = deployWorkflowId(app);
  const handle = client.workflow.getHandle(workflowId);
  let what = 'a deploy';
  let runId: string | undefined;
  try {
    const description = await handle.describe();
    runId = description.runId;
    if (description.type === ROLLBACK_WORKFLOW_TYPE) what = 'a rollback';
    const progress = await queryProgress(client, handle);
    if (progress) what += ` of version ${progress.version} (${progress.status}${progress.currentStep ? `, step ${progress.currentStep}` : ''})`;
  } catch {
    // The refusal stands without the detail.
  }
  const link = webUiLink(target, workflowId, runId);
  return [
    `${app} already has ${what} running: workflow ${workflowId}${runId ? ` (run ${runId})` : ''}. One deploy per app runs at a time.`,
    `Watch it: npm run status -- --app ${app}${link ? `  or  ${link}` : ''}`,
    `Stop it:  npm run rollback -- --app ${app}   (or: temporal workflow cancel --workflow-id ${workflowId})`,
  ];
}
