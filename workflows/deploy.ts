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
import type { DeploymentRef, PreflightResult } from '../activities/types.ts';
import { acts, pollOptions, UNDO, UPLOAD } from './activity-options.ts';
import { runChecks, type ChecksSettings } from './checks.ts';
import { call, failureTypeOf } from './failures.ts';
import { interruptible } from './interruptible.ts';
import { ANNOUNCE_BEFORE_DOMAIN_PATCH, DOMAIN_ATTACH_IN_POLL_PATCH } from './patches.ts';
import { notifyFinished } from './notify.ts';
import { ProgressTracker } from './progress.ts';
import { runSteps, step, type Compensation } from './runbook.ts';
import { Saga, describeError } from './saga.ts';

/**
 * The deploy runbook of docs/design.md as one durable workflow (id `deploy-<app>`): preflight,
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

  // Argument shapes shared by several steps, built once.
  const t = input.timing;
  const kv = { accountId: input.accountId, kvNamespaceId: input.kvNamespaceId, app };
  const domainArgs = { accountId: input.accountId, pagesProject: input.pagesProject, hostname: input.hostname };
  const target = `${input.pagesProject}.pages.dev`;
  const checks: ChecksSettings = { ...input.checks, hostname: input.checks.hostname ?? input.hostname };
  const proxyLater = input.dns.enabled && input.dns.proxied && input.dns.unproxiedUntilDomainActive && input.customDomain.enabled;
  const markFailed: Compensation = {
    name: 'mark-version-failed',
    run: () => acts.markVersionFailed.executeWithOptions({ ...UNDO, summary: `mark ${app}@${version} failed` }, [{ ...kv, version, reason: 'deploy did not complete' }]),
  };

  /** What preflight found live, in DNS and on the domain before this deploy. */
  let snapshot!: PreflightResult;
  let triggered!: DeploymentRef & { reused: boolean };
  /** The deployment as results and KV records name it, built once. */
  let deployment: DeploymentRef | undefined;
  let liveVersion: string | null = null;
  let wentLive = false;
  /** Live before this deploy; what the flip's compensation restores. */
  let previousVersion: string | null = null;
  /** Whether the version was announced as pending before the domain step (patched). */
  let announced = false;

  try {
    await runSteps({ progress, saga, undoes, stopIfRequested: stopIfRollbackRequested }, [
      step({
        name: 'preflight',
        run: () => call(acts.preflight.executeWithOptions({ summary: `preflight ${app}@${version}: token, zone, snapshot` }, [input])),
        describe: (r) => `zone ${r.zoneName}; live ${r.activeVersion ?? 'none'}; dns ${r.dnsRecord ? r.dnsRecord.type : 'none'}; domain ${r.domainExisted ? 'exists' : 'new'}`,
        then: (r) => {
          snapshot = r;
          liveVersion = r.activeVersion;
          learnt.webhook = r.webhook;
        },
      }),
      // 1. A deployment is harmless until routed: nothing to compensate.
      step({
        name: 'trigger',
        run: () =>
          call(
            acts.triggerDeployment.executeWithOptions({ ...UPLOAD, summary: `Pages deployment of ${input.pagesProject} (${input.source.type})` }, [
              { accountId: input.accountId, pagesProject: input.pagesProject, source: input.source, marker: deploymentMarker(app, version) },
            ]),
          ),
        describe: (d) => `${d.reused ? 'found' : 'created'} deployment ${d.id} (${d.url})`,
        then: (d) => {
          triggered = d;
          deployment = { id: d.id, shortId: d.shortId, url: d.url };
        },
      }),
      // 2. Poll until the build succeeds; its retry timers are the durable backoff.
      step({
        name: 'build',
        run: () => {
          const d = triggered;
          return untilRollback(() => call(
            acts.awaitDeployment.executeWithOptions(
              { ...pollOptions(t.buildTimeoutMs, t.pollInitialIntervalMs, t.pollMaxIntervalMs, !d.reused), summary: `wait for build of ${d.shortId}` },
              // A build this deploy just started cannot be done at once; one it found may be.
              [{ accountId: input.accountId, pagesProject: input.pagesProject, deploymentId: d.id, firstPollAfterMs: d.reused ? 0 : t.pollInitialIntervalMs }],
            ),
            NOT_RETRYABLE.BUILD_TIMEOUT,
            `deployment ${d.id} did not finish within ${t.buildTimeoutMs} ms`,
          ));
        },
        describe: (b) => `stage ${b.stage}: success`,
        then: (b) => progress.update('build', { attempts: b.attempt }),
      }),
      // 3. DNS. The compensation goes in first: a create that timed out may still have landed.
      step({
        name: 'dns',
        when: () => input.dns.enabled || 'dns disabled in the input',
        undoFirst: () => [{
          name: 'restore-dns',
          run: () => acts.restoreDnsRecord.executeWithOptions({ ...UNDO, summary: `restore DNS of ${input.hostname}` }, [
            { zoneId: input.zoneId, hostname: input.hostname, target, previous: snapshot.dnsRecord },
          ]),
        }],
        run: () =>
          call(
            acts.upsertDnsRecord.executeWithOptions({ summary: `CNAME ${input.hostname} → ${target}` }, [
              { zoneId: input.zoneId, hostname: input.hostname, target, proxied: input.dns.proxied && !proxyLater },
            ]),
          ),
        describe: (r) => `${r.action} record ${r.recordId}`,
      }),
      // 4. Custom domain: detach only what this deploy attached. The router sends validation
      // requests to the live version; with none, to the pending one. Both compensations go in
      // first: a write that timed out may still have landed.
      step({
        name: 'domain',
        when: () => input.customDomain.enabled || 'custom domain disabled in the input',
        undoFirst: () => {
          announced = snapshot.activeVersion === null && patched(ANNOUNCE_BEFORE_DOMAIN_PATCH);
          const detach = { name: 'detach-domain', run: () => acts.detachCustomDomain.executeWithOptions({ ...UNDO, summary: `detach ${input.hostname}` }, [domainArgs]) };
          return [...(announced ? [markFailed] : []), ...(snapshot.domainExisted ? [] : [detach])];
        },
        run: () =>
          domainStep({ input, progress, kv, domainArgs, target, proxyLater, announced, domainExisted: snapshot.domainExisted, deployment: deployment!, untilRollback }),
        describe: (a) => `${input.hostname}: ${a.status}`,
      }),
      // 5. The version's own keys. Pushed after success: a VERSION_CONFLICT wrote nothing, and
      // marking someone else's version failed would be wrong.
      step({
        name: 'kv-write',
        run: () =>
          call(
            acts.writeVersionKeys.executeWithOptions({ summary: `write KV keys of ${app}@${version}` }, [
              { ...kv, version, pagesProject: input.pagesProject, metadata: input.metadata, deployment: deployment!, retention: input.versionsRetention },
            ]),
          ),
        describe: (w) => (w.written ? 'written' : 'already written with the same content'),
        undoAfter: () => (announced ? [] : [markFailed]),
      }),
      // 6. Flip. The compensation goes first (the write may land even if the call times out).
      step({
        name: 'flip',
        undoFirst: () => {
          previousVersion = snapshot.activeVersion;
          return [{
            name: 'flip-back',
            run: () => acts.restoreActive.executeWithOptions({ ...UNDO, summary: `flip ${app} back to ${previousVersion ?? '(none)'}` }, [
              { ...kv, failedVersion: version, previousVersion, activatedBy, reason: 'deploy rolled back' },
            ]),
          }];
        },
        run: () => call(acts.flipActive.executeWithOptions({ summary: `flip ${app} to ${version}` }, [{ ...kv, version, allowedHosts: input.allowedHosts, activatedBy }])),
        describe: (f) => `live: ${version} (was ${f.previousVersion ?? 'none'})`,
        then: (f) => {
          previousVersion = f.previousVersion;
          wentLive = true;
          liveVersion = version;
        },
        stopCheckAfter: false,
      }),
      // 7. Checks, tolerating KV propagation.
      step({
        name: 'checks',
        run: async () => {
          const report = await untilRollback(() => runChecks(checks, version, input.checks.propagationWindowMs, `checks on ${checks.hostname}`));
          if (!report.ok) throw ApplicationFailure.nonRetryable(report.summary, NOT_RETRYABLE.CHECKS_FAILED);
          return report;
        },
        describe: (r) => r.summary,
      }),
      // 8. Bake: keep checking; a rollback signal or a failing round undoes the deploy.
      step({
        name: 'bake',
        when: () => t.bakeMs > 0 || 'bake window is 0',
        status: 'baking',
        run: () => bakeStep({ input, progress, checks, version, rollbackRequested: () => rollback !== null, rollbackFailure, stopIfRollbackRequested }),
        describe: (rounds) => `${rounds} check rounds passed`,
      }),
    ]);
    progress.setStatus('live');
    return { status: 'live', app, version, liveVersion: version, deployment, compensations: [] };
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
        deployment,
        compensations: outcomes,
      };
    }
    if (err instanceof ApplicationFailure && !compensationFailed) throw err;
    throw ApplicationFailure.create({ type: type ?? NOT_RETRYABLE.CLOUDFLARE_ERROR, message: reason, nonRetryable: true, details: [outcomes] });
  }
}

/** What the domain step reads from its deploy. */
interface DomainStepContext {
  input: DeployInput;
  progress: ProgressTracker;
  kv: { accountId: string; kvNamespaceId: string; app: string };
  domainArgs: { accountId: string; pagesProject: string; hostname: string };
  /** The CNAME target, `<project>.pages.dev`. */
  target: string;
  /** Proxy the record only once the certificate is active. */
  proxyLater: boolean;
  announced: boolean;
  domainExisted: boolean;
  deployment: DeploymentRef;
  untilRollback: <T>(wait: () => Promise<T>) => Promise<T>;
}

/** Step 4: announce (patched), attach and wait for the domain and its certificate, then proxy. */
async function domainStep(c: DomainStepContext): Promise<{ status: string; attempt: number }> {
  const { input, progress, domainArgs } = c;
  const { app, version } = input;
  const t = input.timing;
  if (c.announced) {
    progress.update('domain', { detail: `announcing ${version} as pending for certificate validation` });
    await call(
      acts.announcePendingVersion.executeWithOptions({ summary: `announce ${app}@${version} as pending for certificate validation` }, [
        { ...c.kv, version, deployment: c.deployment, retention: input.versionsRetention },
      ]),
    );
  }
  const waitForDomain = (attach: boolean) => c.untilRollback(() => call(
    acts.awaitCustomDomain.executeWithOptions(
      { ...pollOptions(t.domainTimeoutMs, t.pollInitialIntervalMs, t.pollMaxIntervalMs), summary: `${attach ? 'attach' : 'wait for'} ${input.hostname} and its certificate` },
      [attach ? { ...domainArgs, attach } : domainArgs],
    ),
    NOT_RETRYABLE.DOMAIN_TIMEOUT,
    `custom domain ${input.hostname} did not become active within ${t.domainTimeoutMs} ms`,
  ));
  let active: { status: string; attempt: number };
  if (patched(DOMAIN_ATTACH_IN_POLL_PATCH)) {
    progress.update('domain', { detail: c.domainExisted ? 'already attached; waiting for active' : 'attaching; waiting for active' });
    active = await waitForDomain(true);
  } else {
    const attached = await call(acts.attachCustomDomain.executeWithOptions({ summary: `attach ${input.hostname} to ${input.pagesProject}` }, [domainArgs]));
    progress.update('domain', { detail: attached.attachedByUs ? 'attached; waiting for active' : 'already attached; waiting for active' });
    active = await waitForDomain(false);
  }
  progress.update('domain', { attempts: active.attempt });
  if (c.proxyLater) {
    await call(
      acts.upsertDnsRecord.executeWithOptions({ summary: `proxy ${input.hostname} now that its certificate is active` }, [
        { zoneId: input.zoneId, hostname: input.hostname, target: c.target, proxied: true },
      ]),
    );
  }
  return active;
}

/** What the bake step reads from its deploy. */
interface BakeStepContext {
  input: DeployInput;
  progress: ProgressTracker;
  checks: ChecksSettings;
  version: string;
  rollbackRequested: () => boolean;
  rollbackFailure: () => Error;
  stopIfRollbackRequested: () => void;
}

/** Step 8: check rounds over the bake window; a rollback signal or a failing round ends it. */
async function bakeStep(c: BakeStepContext): Promise<number> {
  const { input, progress } = c;
  const t = input.timing;
  const end = Date.now() + t.bakeMs;
  let rounds = 0;
  for (;;) {
    const remaining = end - Date.now();
    if (remaining <= 0) break;
    if (await condition(c.rollbackRequested, Math.min(t.bakeCheckIntervalMs, remaining))) throw c.rollbackFailure();
    const report = await runChecks(c.checks, c.version, 2 * input.checks.retryIntervalMs, `bake checks on ${c.checks.hostname}`);
    rounds += 1;
    progress.update('bake', { detail: `${rounds} check rounds passed` });
    if (!report.ok) throw ApplicationFailure.nonRetryable(`during bake: ${report.summary}`, ROLLBACK_REASONS.BAKE_CHECK_FAILED);
  }
  c.stopIfRollbackRequested();
  return rounds;
}
