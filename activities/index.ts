import type { DeployInput } from '../core/deploy-input.ts';
import type { ActivityDeps, Ctx } from './context.ts';
import { createCtx } from './context.ts';
import { runChecks } from './checks.ts';
import { upsertDnsRecord, restoreDnsRecord } from './dns.ts';
import { attachCustomDomain, awaitCustomDomain, detachCustomDomain } from './domains.ts';
import { awaitDeployment, triggerDeployment } from './pages.ts';
import { preflight, type PreflightResult } from './preflight.ts';
import { planRetention, pruneDeployments, pruneVersions } from './retention.ts';
import { createWebhookActivities, type DeployNotification } from './webhook.ts';
import { uploadWorkerVersion } from './workers.ts';
import { attachWorkerDomain, restoreWorkerDomain } from './worker-domains.ts';
import { announcePendingVersion, flipActive, markVersionFailed, resolveRollbackTarget, restoreActive, writeVersionKeys } from './versions.ts';

export type { ActivityDeps } from './context.ts';
export type { WebhookConfig } from './webhook.ts';
export { createCloudflareClient } from './cloudflare.ts';

/**
 * Every activity of the deploy and rollback workflows, bound to its dependencies (Cloudflare
 * client, clock, edge address). The worker registers the returned object as its activities.
 */
export function createActivities(deps: ActivityDeps) {
  const ctx = createCtx(deps);
  const webhook = deps.webhook ? createWebhookActivities(deps.webhook) : null;
  /** An activity as the worker registers it: its module's function with the context bound. */
  const bound = <A, R>(activity: (ctx: Ctx, args: A) => Promise<R>) => (args: A) => activity(ctx, args);
  return {
    // Typed as the contract: histories of older workers carry no `webhook` field.
    preflight: async (input: DeployInput): Promise<PreflightResult> => ({ ...(await preflight(ctx, input)), webhook: webhook !== null }),
    triggerDeployment: bound(triggerDeployment),
    /** Fails with STILL_PENDING while building (the retry policy is the poll loop), BUILD_FAILED on failure. */
    awaitDeployment: bound(awaitDeployment),
    /** The Workers row's trigger: assets, then a new (undeployed) version of the app's Worker. */
    uploadWorkerVersion: bound(uploadWorkerVersion),
    upsertDnsRecord: bound(upsertDnsRecord),
    restoreDnsRecord: bound(restoreDnsRecord),
    attachCustomDomain: bound(attachCustomDomain),
    /** Fails with STILL_PENDING until active, DOMAIN_FAILED on error/blocked. */
    awaitCustomDomain: bound(awaitCustomDomain),
    detachCustomDomain: bound(detachCustomDomain),
    /** Native Workers routing: the hostname as the Worker's own custom domain, and its compensation. */
    attachWorkerDomain: bound(attachWorkerDomain),
    restoreWorkerDomain: bound(restoreWorkerDomain),
    writeVersionKeys: bound(writeVersionKeys),
    /** Before the domain step of an app with nothing live: the version's entry, pending, for certificate validation. */
    announcePendingVersion: bound(announcePendingVersion),
    markVersionFailed: bound(markVersionFailed),
    flipActive: bound(flipActive),
    restoreActive: bound(restoreActive),
    /** For the manual rollback: the live version and the (validated) target. */
    resolveRollbackTarget: bound(resolveRollbackTarget),
    runChecks: bound(runChecks),
    /**
     * The signed webhook on a deploy's final status. Always registered, so the workflow needs no
     * flag (and no secret) to call it: a worker without `NEXTDEPLOY_WEBHOOK_URL`/`_SECRET` answers
     * `{ delivered: false }` without a request.
     */
    notifyDeployFinished: async (n: DeployNotification): Promise<{ delivered: boolean; status: number | null }> =>
      webhook ? { delivered: true, status: (await webhook.notifyDeployFinished(n)).status } : { delivered: false, status: null },
    planRetention: bound(planRetention),
    pruneVersions: bound(pruneVersions),
    pruneDeployments: bound(pruneDeployments),
  };
}

/** Every activity the deploy, rollback and retention workflows call (as the worker registers them). */
export type NextdeployActivities = ReturnType<typeof createActivities>;
