// Safe for: workflow (@temporalio/workflow definitions; no I/O)
import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * The contract between the deploy/rollback workflows and everything that talks to them (the CLI,
 * the Temporal CLI, tests). Signal and query definitions are plain objects, safe to import from
 * client code and from workflow code alike.
 */

/** Task queue every nextdeploy worker polls. */
export const TASK_QUEUE = 'nextdeploy';

/** Workflow type names (the exported function names in `workflows/index.ts`). */
export const DEPLOY_WORKFLOW_TYPE = 'deployWorkflow';
export const ROLLBACK_WORKFLOW_TYPE = 'rollbackWorkflow';

/**
 * One running deploy per app: Temporal refuses a second start with this id while one runs.
 * The manual rollback workflow uses the same id, so a rollback and a deploy of one app never
 * overlap, and `temporal workflow signal --workflow-id deploy-<app> --name rollback` reaches
 * whichever of them is running.
 */
export function deployWorkflowId(app: string): string {
  return `deploy-${app}`;
}

/**
 * The marker written into the Pages deployment (its commit message) so a retried trigger finds
 * the deployment an earlier attempt created instead of creating another.
 */
export function deploymentMarker(app: string, version: string): string {
  return `nextdeploy ${app}@${version}`;
}

/** The manual rollback shares the deploy's id on purpose (see {@link deployWorkflowId}). */
export const rollbackWorkflowId = deployWorkflowId;

/** Payload of the `rollback` signal. */
export interface RollbackRequest {
  reason?: string;
  /** A named version to go back to (default: the previous one). */
  toVersion?: string;
}

/** `rollback`: during a deploy, undo it (saga); to the rollback workflow, choose its target. */
export const rollbackSignal = defineSignal<[RollbackRequest]>('rollback');

// The deploy's step names (DEPLOY_STEPS) derive from its step table: workflows/deploy-steps.ts.

export const ROLLBACK_STEPS = ['preflight', 'flip', 'checks'] as const;
export type RollbackStepName = (typeof ROLLBACK_STEPS)[number];

/** Status of one step. `compensated` = its effect was undone by the saga. */
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'compensated' | 'compensation_failed';

/** One step as the `progress` query reports it. Times are ISO strings of workflow time. */
export interface StepProgress {
  name: string;
  status: StepStatus;
  startedAt: string | null;
  endedAt: string | null;
  attempts: number;
  detail: string | null;
}

/** Overall status: running, then one of the final statuses, `compensating` in between. */
export type DeployStatus = 'running' | 'baking' | 'compensating' | 'live' | 'rolled_back' | 'failed';

/** Answer of the `progress` query. */
export interface DeployProgress {
  app: string;
  version: string;
  status: DeployStatus;
  currentStep: string | null;
  steps: StepProgress[];
  /** Compensations the saga ran, in the order it ran them, with their outcome. */
  compensations: { name: string; status: 'succeeded' | 'failed'; detail: string | null }[];
}

export const progressQuery = defineQuery<DeployProgress>('progress');

/** What a deploy or rollback workflow returns. */
export interface DeployResult {
  status: 'live' | 'rolled_back' | 'failed';
  app: string;
  version: string;
  /** For `rolled_back` and `failed`: a failure type from core/failures.ts (or a rollback reason) and its message. */
  reason?: string;
  failureType?: string;
  /** The version live when the workflow ended. */
  liveVersion: string | null;
  deployment?: { id: string; shortId: string; url: string };
  compensations: DeployProgress['compensations'];
}

/** Input of the manual rollback workflow (no secrets, like the deploy's). */
export interface RollbackInput {
  app: string;
  accountId: string;
  kvNamespaceId: string;
  /** Target version (default: the live record's `previousVersion`). */
  toVersion?: string;
  reason?: string;
  /** Checks after the flip, as in the deploy input (`hostname` required here). */
  checks: {
    hostname: string;
    paths: string[];
    expectStatus?: number[];
    expectVersionHeader: boolean;
    requestTimeoutMs: number;
    propagationWindowMs: number;
    retryIntervalMs: number;
  };
}
