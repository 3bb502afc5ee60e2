import { ApplicationFailure, isCancellation, setHandler } from '@temporalio/workflow';
import type { DeployInput } from '../core/deploy-input.ts';
import { NOT_RETRYABLE, ROLLBACK_REASONS } from '../core/failures.ts';
import { progressQuery, rollbackSignal, type DeployResult } from '../core/workflow-contracts.ts';
import { DeployRun } from './deploy-run.ts';
import { DEPLOY_RUNBOOK, DEPLOY_STEPS } from './deploy-steps.ts';
import { failureTypeOf } from './failures.ts';
import { notifyFinished } from './notify.ts';
import { ProgressTracker } from './progress.ts';
import { runSteps } from './runbook.ts';
import { Saga, describeError } from './saga.ts';

/**
 * The deploy runbook of docs/design.md as one durable workflow (id `deploy-<app>`): preflight,
 * Pages deployment, build, DNS, custom domain, version keys, flip, checks, bake. Every mutating
 * step registers its compensation; a failure, a `rollback` signal or a cancellation runs them
 * in reverse. Returns `live` or `rolled_back`; ends Failed (with the failure type) for `failed`
 * and Cancelled when cancelled, after compensating. Every final status is sent to the webhook.
 */
export async function deployWorkflow(input: DeployInput): Promise<DeployResult> {
  const run = new DeployRun(input, new ProgressTracker(input.app, input.version, DEPLOY_STEPS));
  let result: DeployResult;
  try {
    result = await runDeploy(run);
  } catch (err) {
    const cancelled = isCancellation(err);
    await notifyFinished(input, run.webhook, { status: cancelled ? 'cancelled' : 'failed', reason: `${cancelled ? ROLLBACK_REASONS.CANCELLED : (failureTypeOf(err) ?? 'ERROR')}: ${describeError(err)}` });
    throw err;
  }
  await notifyFinished(input, run.webhook, {
    status: result.status,
    liveVersion: result.liveVersion,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.deployment ? { url: result.deployment.url } : {}),
  });
  return result;
}

/** Runs the step table (deploy-steps.ts); on any failure, compensates and decides the outcome. */
async function runDeploy(run: DeployRun): Promise<DeployResult> {
  const { app, version, progress } = run;
  const saga = new Saga();
  /** Which step each compensation undoes, for the progress query. */
  const undoes: Record<string, string> = Object.create(null);
  setHandler(progressQuery, () => progress.snapshot());
  setHandler(rollbackSignal, (request) => run.requestRollback(request));

  try {
    await runSteps({ progress, saga, undoes, stopIfRequested: () => run.stopIfRollbackRequested() }, DEPLOY_RUNBOOK, run);
    progress.setStatus('live');
    return { status: 'live', app, version, liveVersion: version, deployment: run.deployment, compensations: [] };
  } catch (err) {
    const cancelled = isCancellation(err);
    progress.setStatus('compensating');
    const outcomes = await saga.compensate((o) => progress.recordCompensation(o, undoes[o.name]));
    const compensationFailed = outcomes.some((o) => o.status === 'failed');
    const type = cancelled ? ROLLBACK_REASONS.CANCELLED : failureTypeOf(err);
    const rolledBack =
      !compensationFailed && (run.wentLive || type === ROLLBACK_REASONS.SIGNAL || type === NOT_RETRYABLE.CHECKS_FAILED || type === ROLLBACK_REASONS.BAKE_CHECK_FAILED);
    const liveVersion = outcomes.some((o) => o.name === 'flip-back' && o.status === 'succeeded') ? run.previousVersion : run.liveVersion;
    progress.setStatus(rolledBack ? 'rolled_back' : 'failed');
    if (cancelled) throw err;
    const reason = `${type ?? 'ERROR'}: ${describeError(err)}${compensationFailed ? ' (some compensations failed; see progress)' : ''}`;
    if (rolledBack) {
      return { status: 'rolled_back', app, version, reason, failureType: type, liveVersion, deployment: run.deployment, compensations: outcomes };
    }
    if (err instanceof ApplicationFailure && !compensationFailed) throw err;
    throw ApplicationFailure.create({ type: type ?? NOT_RETRYABLE.CLOUDFLARE_ERROR, message: reason, nonRetryable: true, details: [outcomes] });
  }
}
