import { ApplicationFailure, condition, patched } from '@temporalio/workflow';
import { NOT_RETRYABLE, ROLLBACK_REASONS } from '../core/failures.ts';
import { deploymentMarker } from '../core/workflow-contracts.ts';
import { activities, pollOptions, UNDO, UPLOAD } from './activity-options.ts';
import { runChecks } from './checks.ts';
import type { DeployInput } from '../core/deploy-input.ts';
import { DeployPlan, type DeployRun } from './deploy-run.ts';
import { withFailureType } from './failures.ts';
import { ANNOUNCE_BEFORE_DOMAIN_PATCH, DOMAIN_ATTACH_IN_POLL_PATCH } from './patches.ts';
import { stepOf, type Compensation } from './runbook.ts';
import { workerDomain } from './worker-domain-step.ts';

/**
 * The deploy runbook of DESIGN.md as a table: one row per step, in order. The driver
 * (runbook.ts) runs it; `DEPLOY_STEPS`, the names the progress query reports, is derived here.
 */
const step = stepOf<DeployRun, DeployPlan>();

/** The version's entry marked failed (never deleted: history is kept). */
const markVersionFailed: Compensation<DeployRun> = {
  name: 'mark-version-failed',
  run: (d) =>
    activities.markVersionFailed.executeWithOptions({ ...UNDO, summary: `mark ${d.app}@${d.version} failed` }, [{ ...d.kv, version: d.version, reason: 'deploy did not complete' }]),
};

const preflight = step({
  name: 'preflight',
  run: (d) => withFailureType(activities.preflight.executeWithOptions({ summary: `preflight ${d.app}@${d.version}: token, zone, snapshot` }, [d.input])),
  describe: (r) => `zone ${r.zoneName}; live ${r.activeVersion ?? 'none'}; dns ${r.dnsRecord ? r.dnsRecord.type : 'none'}; domain ${r.domainExisted ? 'exists' : 'new'}`,
  then: (r, d) => {
    d.preflight = r;
    d.liveVersion = r.activeVersion;
    d.previousVersion = r.activeVersion;
    d.webhook = r.webhook;
  },
});

// 1. A deployment is harmless until routed: nothing to compensate.
const trigger = step({
  name: 'trigger',
  when: (d) => d.pages !== null || 'a Workers deploy: the upload-version step',
  run: (d) =>
    withFailureType(
      activities.triggerDeployment.executeWithOptions({ ...UPLOAD, summary: `Pages deployment of ${d.input.pagesProject} (${d.pages!.type})` }, [
        { accountId: d.input.accountId, pagesProject: d.input.pagesProject, source: d.pages!, marker: deploymentMarker(d.app, d.version) },
      ]),
    ),
  describe: (t) => `${t.reused ? 'found' : 'created'} deployment ${t.id} (${t.url})`,
  then: (t, d) => {
    d.triggered = t;
    d.deployment = { id: t.id, shortId: t.shortId, url: t.url };
  },
});

// 2. Poll until the build succeeds; its retry timers are the durable backoff.
const build = step({
  name: 'build',
  when: (d) => d.pages !== null || 'a Worker version is ready once uploaded',
  run: (d) => {
    const { triggered, timing: t } = d;
    return d.untilRollback(() =>
      withFailureType(
        activities.awaitDeployment.executeWithOptions(
          { ...pollOptions(t.buildTimeoutMs, t.pollInitialIntervalMs, t.pollMaxIntervalMs, !triggered.reused), summary: `wait for build of ${triggered.shortId}` },
          // A build this deploy just started cannot be done at once; one it found may be.
          [{ accountId: d.input.accountId, pagesProject: d.input.pagesProject, deploymentId: triggered.id, firstPollAfterMs: triggered.reused ? 0 : t.pollInitialIntervalMs }],
        ),
        NOT_RETRYABLE.BUILD_TIMEOUT,
        `deployment ${triggered.id} did not finish within ${t.buildTimeoutMs} ms`,
      ),
    );
  },
  describe: (b) => `stage ${b.stage}: success`,
  then: (b, d) => d.progress.update('build', { attempts: b.attempt }),
});

// 1-2 of the Workers row: assets and a new version of the app's Worker, not deployed: the
// router sends traffic to its version URL. Harmless until routed, like a Pages deployment.
const uploadVersion = step({
  name: 'upload-version',
  when: (d) => d.workers !== null || 'a Pages deploy: the trigger and build steps',
  run: (d) =>
    withFailureType(
      activities.uploadWorkerVersion.executeWithOptions({ ...UPLOAD, summary: `Worker version of ${d.workers!.script}` }, [
        { accountId: d.input.accountId, source: d.workers!, marker: deploymentMarker(d.app, d.version), version: d.version },
      ]),
    ),
  describe: (v) => `${v.reused ? 'found' : 'uploaded'} version ${v.id} (${v.url})${v.stats ? `; assets ${v.stats.assetsUploaded}/${v.stats.assets} sent` : ''}`,
  then: (v, d) => {
    d.deployment = { id: v.id, shortId: v.shortId, url: v.url };
  },
});

// 3. DNS. The compensation goes in first: a create that timed out may still have landed.
const dns = step({
  name: 'dns',
  when: (d) => (d.native ? 'a Workers custom domain brings its own DNS record' : d.input.dns.enabled || 'dns disabled in the input'),
  undoFirst: () => [
    {
      name: 'restore-dns',
      run: (d) =>
        activities.restoreDnsRecord.executeWithOptions({ ...UNDO, summary: `restore DNS of ${d.input.hostname}` }, [
          { zoneId: d.input.zoneId, hostname: d.input.hostname, target: d.dnsTarget, previous: d.preflight.dnsRecord },
        ]),
    },
  ],
  run: (d) =>
    withFailureType(
      activities.upsertDnsRecord.executeWithOptions({ summary: `CNAME ${d.input.hostname} → ${d.dnsTarget}` }, [
        { zoneId: d.input.zoneId, hostname: d.input.hostname, target: d.dnsTarget, proxied: d.input.dns.proxied && !d.proxyLater },
      ]),
    ),
  describe: (r) => `${r.action} record ${r.recordId}`,
});

// 4. Custom domain: detach only what this deploy attached. The router sends validation requests
// to the live version; with none, to the pending one. Both compensations go in first: a write
// that timed out may still have landed.
const domain = step({
  name: 'domain',
  when: (d) => (d.input.customDomain.enabled && d.pages !== null) || 'custom domain disabled in the input',
  undoFirst: (d) => {
    d.announced = d.preflight.activeVersion === null && patched(ANNOUNCE_BEFORE_DOMAIN_PATCH);
    const detach: Compensation<DeployRun> = {
      name: 'detach-domain',
      run: (r) => activities.detachCustomDomain.executeWithOptions({ ...UNDO, summary: `detach ${r.input.hostname}` }, [r.domainArgs]),
    };
    return [...(d.announced ? [markVersionFailed] : []), ...(d.preflight.domainExisted ? [] : [detach])];
  },
  run: attachDomain,
  describe: (a, d) => `${d.input.hostname}: ${a.status}`,
});

// 5. The version's own keys. Pushed after success: a VERSION_CONFLICT wrote nothing, and
// marking someone else's version failed would be wrong.
const kvWrite = step({
  name: 'kv-write',
  run: (d) =>
    withFailureType(
      activities.writeVersionKeys.executeWithOptions({ summary: `write KV keys of ${d.app}@${d.version}` }, [
        {
          ...d.kv,
          version: d.version,
          pagesProject: d.input.pagesProject,
          metadata: d.input.metadata,
          deployment: d.deployment!,
          retention: d.input.versionsRetention,
          ...(d.workers ? { pin: { alias: d.dnsTarget, host: new URL(d.deployment!.url).hostname } } : {}),
        },
      ]),
    ),
  describe: (w) => (w.written ? 'written' : 'already written with the same content'),
  undoAfter: (d) => (d.announced ? [] : [markVersionFailed]),
});

// 6. Flip. The compensation goes first (the write may land even if the call times out).
const flip = step({
  name: 'flip',
  undoFirst: () => [
    {
      name: 'flip-back',
      run: (d) =>
        activities.restoreActive.executeWithOptions({ ...UNDO, summary: `flip ${d.app} back to ${d.previousVersion ?? '(none)'}` }, [
          { ...d.kv, failedVersion: d.version, previousVersion: d.previousVersion, activatedBy: d.activatedBy, reason: 'deploy rolled back' },
        ]),
    },
  ],
  run: (d) =>
    withFailureType(
      activities.flipActive.executeWithOptions({ summary: `flip ${d.app} to ${d.version}` }, [{ ...d.kv, version: d.version, allowedHosts: d.input.allowedHosts, activatedBy: d.activatedBy }]),
    ),
  describe: (f, d) => `live: ${d.version} (was ${f.previousVersion ?? 'none'})`,
  then: (f, d) => {
    d.previousVersion = f.previousVersion;
    d.wentLive = true;
    d.liveVersion = d.version;
  },
  stopCheckAfter: false,
});

// 7. Checks, tolerating KV propagation.
const checks = step({
  name: 'checks',
  run: async (d) => {
    const report = await d.untilRollback(() => runChecks(d.checks, d.version, d.input.checks.propagationWindowMs, `checks on ${d.checks.hostname}`));
    if (!report.ok) throw ApplicationFailure.nonRetryable(report.summary, NOT_RETRYABLE.CHECKS_FAILED);
    return report;
  },
  describe: (r) => r.summary,
});

// 8. Bake: keep checking; a rollback signal or a failing round undoes the deploy.
const bake = step({
  name: 'bake',
  when: (d) => d.timing.bakeMs > 0 || 'bake window is 0',
  status: 'baking',
  run: bakeRounds,
  describe: (rounds) => `${rounds} check rounds passed`,
});

/** The deploy's steps in runbook order. */
export const DEPLOY_RUNBOOK = [preflight, trigger, build, uploadVersion, dns, domain, workerDomain, kvWrite, flip, checks, bake] as const;

/** A step name as the progress query reports it. */
export type DeployStepName = (typeof DEPLOY_RUNBOOK)[number]['name'];

/** Step names, in runbook order (DESIGN.md). */
export const DEPLOY_STEPS: readonly DeployStepName[] = DEPLOY_RUNBOOK.map((s) => s.name);

/**
 * The steps a deploy of `input` takes, in runbook order: each `true`, or the detail of its skipped
 * progress line. The driver decides the same from the same `when` (it reads only the plan), so
 * tests and tools need no list of which steps apply to which source.
 */
export function deployStepPlan(input: DeployInput): { name: DeployStepName; applies: true | string }[] {
  const plan = new DeployPlan(input);
  return DEPLOY_RUNBOOK.map((s) => ({ name: s.name, applies: s.when ? s.when(plan) : true }));
}

/** Step 4: announce (patched), attach and wait for the domain and its certificate, then proxy. */
async function attachDomain(d: DeployRun): Promise<{ status: string; attempt: number }> {
  const { input, progress, domainArgs, timing: t } = d;
  if (d.announced) {
    progress.update('domain', { detail: `announcing ${d.version} as pending for certificate validation` });
    await withFailureType(
      activities.announcePendingVersion.executeWithOptions({ summary: `announce ${d.app}@${d.version} as pending for certificate validation` }, [
        { ...d.kv, version: d.version, deployment: d.deployment!, retention: input.versionsRetention },
      ]),
    );
  }
  const waitForDomain = (attach: boolean) =>
    d.untilRollback(() =>
      withFailureType(
        activities.awaitCustomDomain.executeWithOptions(
          { ...pollOptions(t.domainTimeoutMs, t.pollInitialIntervalMs, t.pollMaxIntervalMs), summary: `${attach ? 'attach' : 'wait for'} ${input.hostname} and its certificate` },
          [attach ? { ...domainArgs, attach } : domainArgs],
        ),
        NOT_RETRYABLE.DOMAIN_TIMEOUT,
        `custom domain ${input.hostname} did not become active within ${t.domainTimeoutMs} ms`,
      ),
    );
  let active: { status: string; attempt: number };
  if (patched(DOMAIN_ATTACH_IN_POLL_PATCH)) {
    progress.update('domain', { detail: d.preflight.domainExisted ? 'already attached; waiting for active' : 'attaching; waiting for active' });
    active = await waitForDomain(true);
  } else {
    const attached = await withFailureType(activities.attachCustomDomain.executeWithOptions({ summary: `attach ${input.hostname} to ${input.pagesProject}` }, [domainArgs]));
    progress.update('domain', { detail: attached.attachedByUs ? 'attached; waiting for active' : 'already attached; waiting for active' });
    active = await waitForDomain(false);
  }
  progress.update('domain', { attempts: active.attempt });
  if (d.proxyLater) {
    await withFailureType(
      activities.upsertDnsRecord.executeWithOptions({ summary: `proxy ${input.hostname} now that its certificate is active` }, [
        { zoneId: input.zoneId, hostname: input.hostname, target: d.dnsTarget, proxied: true },
      ]),
    );
  }
  return active;
}

/** Step 8: check rounds over the bake window; a rollback signal or a failing round ends it. */
async function bakeRounds(d: DeployRun): Promise<number> {
  const t = d.timing;
  const end = Date.now() + t.bakeMs;
  let rounds = 0;
  for (;;) {
    const remaining = end - Date.now();
    if (remaining <= 0) break;
    if (await condition(() => d.rollbackRequested, Math.min(t.bakeCheckIntervalMs, remaining))) throw d.rollbackFailure();
    const report = await runChecks(d.checks, d.version, 2 * d.input.checks.retryIntervalMs, `bake checks on ${d.checks.hostname}`);
    rounds += 1;
    d.progress.update('bake', { detail: `${rounds} check rounds passed` });
    if (!report.ok) throw ApplicationFailure.nonRetryable(`during bake: ${report.summary}`, ROLLBACK_REASONS.BAKE_CHECK_FAILED);
  }
  d.stopIfRollbackRequested();
  return rounds;
}
