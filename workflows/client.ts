// Client-side helpers for starting and steering deploys (the CLI, tests, scripts). Not part of
// the workflow bundle: nothing in workflows/index.ts imports this file.
import { WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client, type WorkflowHandleWithFirstExecutionRunId, type WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import { APP_SEARCH_ATTRIBUTE, DEPLOY_VERSION_SEARCH_ATTRIBUTE } from '../core/search-attributes.ts';
import { parseDeployInput, parseRollbackInput, type DeployInput } from '../core/deploy-input.ts';
import {
  DEPLOY_WORKFLOW_TYPE,
  ROLLBACK_WORKFLOW_TYPE,
  TASK_QUEUE,
  deployWorkflowId,
  rollbackSignal,
  type RollbackInput,
  type RollbackRequest,
} from '../core/workflow-contracts.ts';
import type { deployWorkflow } from './deploy.ts';
import type { rollbackWorkflow } from './rollback.ts';

/** A deploy (or rollback) of the same app is running: the message names it. */
export class DeployAlreadyRunningError extends Error {
  constructor(
    message: string,
    readonly workflowId: string,
    readonly runId: string | undefined,
  ) {
    super(message);
    this.name = 'DeployAlreadyRunningError';
  }
}

async function describeRunning(client: Client, workflowId: string): Promise<string> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    const version = d.typedSearchAttributes.get(DEPLOY_VERSION_SEARCH_ATTRIBUTE);
    return `${d.type} ${workflowId}${version ? ` (version ${version})` : ''}, run ${d.runId}, started ${d.startTime.toISOString()}`;
  } catch {
    return workflowId;
  }
}

async function refuseIfRunning<T>(client: Client, workflowId: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const running = await describeRunning(client, workflowId);
    throw new DeployAlreadyRunningError(
      `refused: ${running} is still running for this app. Watch it in the Web UI, wait for it, or stop it with: temporal workflow cancel --workflow-id ${workflowId}`,
      workflowId,
      undefined,
    );
  }
}

/** Options of {@link startDeploy}. */
export interface StartDeployOptions {
  taskQueue?: string;
  /** Clock for the default version. */
  now?: () => Date;
}

/**
 * Starts `deploy-<app>` for a validated input: refused by the server while a deploy or rollback of
 * the app runs (WorkflowExecutionAlreadyStartedError), allowed again once it ended; with the
 * `App`/`DeployVersion` search attributes and a Web UI summary. The one place a deploy starts.
 */
export function startDeployWorkflow(client: Client, input: DeployInput, options: { taskQueue?: string } = {}): Promise<WorkflowHandleWithFirstExecutionRunId<typeof deployWorkflow>> {
  return client.workflow.start<typeof deployWorkflow>(DEPLOY_WORKFLOW_TYPE, {
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowId: deployWorkflowId(input.app),
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: APP_SEARCH_ATTRIBUTE, value: input.app },
      { key: DEPLOY_VERSION_SEARCH_ATTRIBUTE, value: input.version },
    ],
    staticSummary: `Deploy ${input.app}@${input.version} to ${input.hostname}`,
    staticDetails: `Pages project ${input.pagesProject}, source ${input.source.type === 'git' ? `git ${input.source.branch}` : 'build folder'}; checks ${input.checks.paths.join(', ')}`,
  });
}

/**
 * Validates `rawInput` and starts `deploy-<app>` (see {@link startDeployWorkflow}). A running
 * deploy of the app makes it throw {@link DeployAlreadyRunningError}.
 */
export async function startDeploy(client: Client, rawInput: unknown, options: StartDeployOptions = {}): Promise<{ handle: WorkflowHandleWithFirstExecutionRunId<typeof deployWorkflow>; input: DeployInput }> {
  const input = parseDeployInput(rawInput, options.now ? { now: options.now } : {});
  const handle = await refuseIfRunning(client, deployWorkflowId(input.app), () => startDeployWorkflow(client, input, options.taskQueue ? { taskQueue: options.taskQueue } : {}));
  return { handle, input };
}

/**
 * Rolls an app back. While its deploy runs, this signals it (the saga undoes the deploy);
 * otherwise it starts the rollback workflow under the same id (signal-with-start), which flips
 * to `request.toVersion` or the previous version and runs the checks.
 */
export async function requestRollback(
  client: Client,
  rawInput: RollbackInput,
  options: { taskQueue?: string } = {},
): Promise<WorkflowHandleWithSignaledRunId<typeof rollbackWorkflow>> {
  const input: RollbackInput = parseRollbackInput(rawInput);
  const request: RollbackRequest = {
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.toVersion ? { toVersion: input.toVersion } : {}),
  };
  return client.workflow.signalWithStart<typeof rollbackWorkflow, [RollbackRequest]>(ROLLBACK_WORKFLOW_TYPE, {
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowId: deployWorkflowId(input.app),
    args: [input],
    signal: rollbackSignal,
    signalArgs: [request],
    typedSearchAttributes: [
      { key: APP_SEARCH_ATTRIBUTE, value: input.app },
      ...(input.toVersion ? [{ key: DEPLOY_VERSION_SEARCH_ATTRIBUTE, value: input.toVersion }] : []),
    ],
    staticSummary: `Roll back ${input.app}${input.toVersion ? ` to ${input.toVersion}` : ' to the previous version'}`,
  });
}
