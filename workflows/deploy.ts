import { ApplicationFailure, CancellationScope, CancelledFailure, condition, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DeployInput } from '../core/deploy-input.ts';
import { NOT_RETRYABLE, ROLLBACK_REASONS } from '../core/failures.ts';
import {
  DEPLOY_STEPS,
  deploymentMarker,
  progressQuery,
  rollbackSignal,
  type DeployResult,
  type RollbackRequest,
} from '../core/workflow-contracts.ts';
import type { CheckReport, DeploymentRef } from '../activities/types.ts';
import { acts, checkOptions, pollOptions, UNDO, UPLOAD } from './activity-options.ts';
import { call, failureTypeOf } from './failures.ts';
import { interruptible } from './interruptible.ts';
import { ANNOUNCE_BEFORE_DOMAIN_PATCH, DOMAIN_ATTACH_IN_POLL_PATCH } from './patches.ts';
import { notifyFinished } from './notify.ts';
import { ProgressTracker } from './progress.ts';
import { Saga, describeError } from './saga.ts';

/**
 * The deploy runbook of DESIGN.md as one durable workflow (id `deploy-<app>`): preflight,
 * Pages deployment, build, DNS, custom domain, version keys, flip, checks, bake. Every mutating
 * step registers its compensation; a failure, a `rollback` signal or a cancellation runs them
 * in reverse. Returns `live` or `rolled_back`; ends Failed (with the failure type) for `failed`
 * and Cancelled when cancelled, after compensating. Every final status is sent to the webhook.
 */
export async function deployWorkflow(input: DeployInput): Promise<DeployResult> {
  let result: DeployResult;
  /** What preflight learnt about the webhook; unknown until (unless) preflight succeeds. */
  const learnt: { webhook?: boolean } = {};
  try {
    result = await runDeploy(input, learnt);
  } catch (err) {
    const cancelled = isCancellation(err);
    await notifyFinished(input, learnt.webhook, { status: cancelled ? 'cancelled' : 'failed', reason: `${cancelled ? ROLLBACK_REASONS.CANCELLED : (failureTypeOf(err) ?? 'ERROR')}: ${describeError(err)}` });
    throw err;
  }
  await notifyFinished(input, learnt.webhook, {
    status: result.status,
    liveVersion: result.liveVersion,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.deployment ? { url: result.deployment.url } : {}),
  });
  return result;
}

async function runDeploy(input: DeployInput, learnt: { webhook?: boolean }): Promise<DeployResult> {
  const { app, version } = input;
  const activatedBy = `workflow:${workflowInfo().workflowId}`;
  const progress = new ProgressTracker(app, version, DEPLOY_STEPS);
  const saga = new Saga();
  /** Which step each compensation undoes, for the progress query. */
  const undoes: Record<string, string> = Object.create(null);
  const undo = (name: string, step: string, run: () => Promise<void>) => {
    undoes[name] = step;
    saga.add(name, run);
  };

  let rollback: RollbackRequest | null = null;
  setHandler(progressQuery, () => progress.snapshot());
  setHandler(rollbackSignal, (request) => {
    rollback ??= { ...(request ?? {}) };
  });
  const rollbackFailure = () =>
    ApplicationFailure.nonRetryable(`rollback requested by signal${rollback?.reason ? `: ${rollback.reason}` : ''}`, ROLLBACK_REASONS.SIGNAL);
  /**
   * Between steps: a rollback signal stops the run, and so does a cancellation that arrived while
   * a step was finishing, before the next step registers a compensation for work it never did.
   */
  const stopIfRollbackRequested = () => {
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('deploy cancelled');
    if (rollback) throw rollbackFailure();
  };

  /** A wait (build, certificate, checks) that a rollback signal ends at once. */
  const untilRollback = <T>(wait: () => Promise<T>) => interruptible(wait, () => rollback !== null, rollbackFailure);

  let deployment: DeploymentRef | undefined;
  let liveVersion: string | null = null;
  let wentLive = false;
  /** Live before this deploy; what the flip's compensation restores. */
  let previousVersion: string | null = null;
  const kv = { accountId: input.accountId, kvNamespaceId: input.kvNamespaceId, app };
  const markFailed = () =>
    acts.markVersionFailed.executeWithOptions({ ...UNDO, summary: `mark ${app}@${version} failed` }, [{ ...kv, version, reason: 'deploy did not complete' }]);
  const checksHost = input.checks.hostname ?? input.hostname;
  const runChecks = (summary: string, windowMs: number): Promise<CheckReport> =>
    call(
      acts.runChecks.executeWithOptions({ ...checkOptions(windowMs, input.checks.paths.length, input.checks.requestTimeoutMs), summary }, [
        {
          hostname: checksHost,
          paths: input.checks.paths,
          expectStatus: input.checks.expectStatus,
          expectVersion: input.checks.expectVersionHeader ? version : null,
          requestTimeoutMs: input.checks.requestTimeoutMs,
          windowMs,
          intervalMs: input.checks.retryIntervalMs,
        },
      ]),
    );

  try {
    const pre = await progress.run(
      'preflight',
      () => call(acts.preflight.executeWithOptions({ summary: `preflight ${app}@${version}: token, zone, snapshot` }, [input])),
      (r) => `zone ${r.zoneName}; live ${r.activeVersion ?? 'none'}; dns ${r.dnsRecord ? r.dnsRecord.type : 'none'}; domain ${r.domainExisted ? 'exists' : 'new'}`,
    );
    liveVersion = pre.activeVersion;
    learnt.webhook = pre.webhook;
    stopIfRollbackRequested();

    // 1. A deployment is harmless until routed: nothing to compensate.
    const dep = await progress.run(
      'trigger',
      () =>
        call(
          acts.triggerDeployment.executeWithOptions({ ...UPLOAD, summary: `Pages deployment of ${input.pagesProject} (${input.source.type})` }, [
            { accountId: input.accountId, pagesProject: input.pagesProject, source: input.source, marker: deploymentMarker(app, version) },
          ]),
        ),
      (d) => `${d.reused ? 'found' : 'created'} deployment ${d.id} (${d.url})`,
    );
    deployment = dep;
    stopIfRollbackRequested();

    // 2. Poll until the build succeeds; its retry timers are the durable backoff.
    const t = input.timing;
    const built = await progress.run(
      'build',
      () =>
        untilRollback(() => call(
          acts.awaitDeployment.executeWithOptions(
            { ...pollOptions(t.buildTimeoutMs, t.pollInitialIntervalMs, t.pollMaxIntervalMs, !dep.reused), summary: `wait for build of ${dep.shortId}` },
            // A build this deploy just started cannot be done at once; one it found may be.
            [{ accountId: input.accountId, pagesProject: input.pagesProject, deploymentId: dep.id, firstPollAfterMs: dep.reused ? 0 : t.pollInitialIntervalMs }],
          ),
          NOT_RETRYABLE.BUILD_TIMEOUT,
          `deployment ${dep.id} did not finish within ${t.buildTimeoutMs} ms`,
        )),
      (b) => `stage ${b.stage}: success`,
    );
    progress.update('build', { attempts: built.attempt });
    stopIfRollbackRequested();

    // 3. DNS. The compensation goes in first: a create that timed out may still have landed.
    const target = `${input.pagesProject}.pages.dev`;
    const proxyLater = input.dns.enabled && input.dns.proxied && input.dns.unproxiedUntilDomainActive && input.customDomain.enabled;
    if (input.dns.enabled) {
      const previous = pre.dnsRecord;
      undo('restore-dns', 'dns', () =>
        acts.restoreDnsRecord.executeWithOptions({ ...UNDO, summary: `restore DNS of ${input.hostname}` }, [
          { zoneId: input.zoneId, hostname: input.hostname, target, previous },
        ]),
      );
      await progress.run(
        'dns',
        () =>
          call(
            acts.upsertDnsRecord.executeWithOptions({ summary: `CNAME ${input.hostname} → ${target}` }, [
              { zoneId: input.zoneId, hostname: input.hostname, target, proxied: input.dns.proxied && !proxyLater },
            ]),
          ),
        (r) => `${r.action} record ${r.recordId}`,
      );
    } else {
      progress.markSkipped('dns', 'dns disabled in the input');
    }
    stopIfRollbackRequested();

    // 4. Custom domain: detach only what this deploy attached.
    let announced = false;
    if (input.customDomain.enabled) {
      const domainArgs = { accountId: input.accountId, pagesProject: input.pagesProject, hostname: input.hostname };
      // The router sends validation requests to the live version; with none, to the pending one.
      // Its compensation goes in first: a write that timed out may still have landed.
      announced = pre.activeVersion === null && patched(ANNOUNCE_BEFORE_DOMAIN_PATCH);
      if (announced) undo('mark-version-failed', 'domain', markFailed);
      if (!pre.domainExisted) {
        undo('detach-domain', 'domain', () =>
          acts.detachCustomDomain.executeWithOptions({ ...UNDO, summary: `detach ${input.hostname}` }, [domainArgs]),
        );
      }
      await progress.run('domain', async () => {
        if (announced) {
          progress.update('domain', { detail: `announcing ${version} as pending for certificate validation` });
          await call(
            acts.announcePendingVersion.executeWithOptions({ summary: `announce ${app}@${version} as pending for certificate validation` }, [
              { ...kv, version, deployment: { id: dep.id, shortId: dep.shortId, url: dep.url }, retention: input.versionsRetention },
            ]),
          );
        }
        const waitForDomain = (attach: boolean) => untilRollback(() => call(
          acts.awaitCustomDomain.executeWithOptions(
            { ...pollOptions(t.domainTimeoutMs, t.pollInitialIntervalMs, t.pollMaxIntervalMs), summary: `${attach ? 'attach' : 'wait for'} ${input.hostname} and its certificate` },
            [attach ? { ...domainArgs, attach } : domainArgs],
          ),
          NOT_RETRYABLE.DOMAIN_TIMEOUT,
          `custom domain ${input.hostname} did not become active within ${t.domainTimeoutMs} ms`,
        ));
        let active: { status: string; attempt: number };
        if (patched(DOMAIN_ATTACH_IN_POLL_PATCH)) {
          progress.update('domain', { detail: pre.domainExisted ? 'already attached; waiting for active' : 'attaching; waiting for active' });
          active = await waitForDomain(true);
        } else {
          const attached = await call(acts.attachCustomDomain.executeWithOptions({ summary: `attach ${input.hostname} to ${input.pagesProject}` }, [domainArgs]));
          progress.update('domain', { detail: attached.attachedByUs ? 'attached; waiting for active' : 'already attached; waiting for active' });
          active = await waitForDomain(false);
        }
        progress.update('domain', { attempts: active.attempt });
        if (proxyLater) {
          await call(
            acts.upsertDnsRecord.executeWithOptions({ summary: `proxy ${input.hostname} now that its certificate is active` }, [
              { zoneId: input.zoneId, hostname: input.hostname, target, proxied: true },
            ]),
          );
        }
        return active;
      }, (a) => `${input.hostname}: ${a.status}`);
    } else {
      progress.markSkipped('domain', 'custom domain disabled in the input');
    }
    stopIfRollbackRequested();

    // 5. The version's own keys. Pushed after success: a VERSION_CONFLICT wrote nothing, and
    // marking someone else's version failed would be wrong.
    await progress.run(
      'kv-write',
      () =>
        call(
          acts.writeVersionKeys.executeWithOptions({ summary: `write KV keys of ${app}@${version}` }, [
            { ...kv, version, pagesProject: input.pagesProject, metadata: input.metadata, deployment: { id: dep.id, shortId: dep.shortId, url: dep.url }, retention: input.versionsRetention },
          ]),
        ),
      (w) => (w.written ? 'written' : 'already written with the same content'),
    );
    if (!announced) undo('mark-version-failed', 'kv-write', markFailed);
    stopIfRollbackRequested();

    // 6. Flip. The compensation goes first (the write may land even if the call times out).
    previousVersion = pre.activeVersion;
    undo('flip-back', 'flip', () =>
      acts.restoreActive.executeWithOptions({ ...UNDO, summary: `flip ${app} back to ${previousVersion ?? '(none)'}` }, [
        { ...kv, failedVersion: version, previousVersion, activatedBy, reason: 'deploy rolled back' },
      ]),
    );
    const flipped = await progress.run(
      'flip',
      () =>
        call(
          acts.flipActive.executeWithOptions({ summary: `flip ${app} to ${version}` }, [
            { ...kv, version, allowedHosts: input.allowedHosts, activatedBy },
          ]),
        ),
      (f) => `live: ${version} (was ${f.previousVersion ?? 'none'})`,
    );
    previousVersion = flipped.previousVersion;
    wentLive = true;
    liveVersion = version;

    // 7. Checks, tolerating KV propagation.
    await progress.run('checks', async () => {
      const report = await untilRollback(() => runChecks(`checks on ${checksHost}`, input.checks.propagationWindowMs));
      if (!report.ok) throw ApplicationFailure.nonRetryable(report.summary, NOT_RETRYABLE.CHECKS_FAILED);
      return report;
    }, (r) => r.summary);
    stopIfRollbackRequested();

    // 8. Bake: keep checking; a rollback signal or a failing round undoes the deploy.
    if (t.bakeMs > 0) {
      progress.setStatus('baking');
      await progress.run('bake', async () => {
        const end = Date.now() + t.bakeMs;
        let rounds = 0;
        for (;;) {
          const remaining = end - Date.now();
          if (remaining <= 0) break;
          if (await condition(() => rollback !== null, Math.min(t.bakeCheckIntervalMs, remaining))) throw rollbackFailure();
          const report = await runChecks(`bake checks on ${checksHost}`, 2 * input.checks.retryIntervalMs);
          rounds += 1;
          progress.update('bake', { detail: `${rounds} check rounds passed` });
          if (!report.ok) throw ApplicationFailure.nonRetryable(`during bake: ${report.summary}`, ROLLBACK_REASONS.BAKE_CHECK_FAILED);
        }
        stopIfRollbackRequested();
        return rounds;
      }, (rounds) => `${rounds} check rounds passed`);
    } else {
      progress.markSkipped('bake', 'bake window is 0');
    }
    progress.setStatus('live');
    return { status: 'live', app, version, liveVersion: version, deployment: { id: dep.id, shortId: dep.shortId, url: dep.url }, compensations: [] };
  } catch (err) {
    const cancelled = isCancellation(err);
    progress.setStatus('compensating');
    const outcomes = await saga.compensate((o) => progress.recordCompensation(o, undoes[o.name]));
    const compensationFailed = outcomes.some((o) => o.status === 'failed');
    const type = cancelled ? ROLLBACK_REASONS.CANCELLED : failureTypeOf(err);
    const rolledBack =
      !compensationFailed && (wentLive || type === ROLLBACK_REASONS.SIGNAL || type === NOT_RETRYABLE.CHECKS_FAILED || type === ROLLBACK_REASONS.BAKE_CHECK_FAILED);
    if (outcomes.some((o) => o.name === 'flip-back' && o.status === 'succeeded')) liveVersion = previousVersion;
    progress.setStatus(rolledBack ? 'rolled_back' : 'failed');
    if (cancelled) throw err;
    const reason = `${type ?? 'ERROR'}: ${describeError(err)}${compensationFailed ? ' (some compensations failed; see progress)' : ''}`;
    if (rolledBack) {
      return {
        status: 'rolled_back',
        app,
        version,
        reason,
        failureType: type,
        liveVersion,
        deployment: deployment && { id: deployment.id, shortId: deployment.shortId, url: deployment.url },
        compensations: outcomes,
      };
    }
    if (err instanceof ApplicationFailure && !compensationFailed) throw err;
    throw ApplicationFailure.create({ type: type ?? NOT_RETRYABLE.CLOUDFLARE_ERROR, message: reason, nonRetryable: true, details: [outcomes] });
  }
}
