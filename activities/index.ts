import type { ActivityDeps } from './context.ts';
import { createCtx } from './context.ts';
import { runChecks } from './checks.ts';
import { upsertDnsRecord, restoreDnsRecord } from './dns.ts';
import { attachCustomDomain, awaitCustomDomain, detachCustomDomain } from './domains.ts';
import { awaitDeployment, triggerDeployment } from './pages.ts';
import { preflight } from './preflight.ts';
import type { NextdeployActivities } from './types.ts';
import { planRetention, pruneDeployments, pruneVersions } from './retention.ts';
import { createWebhookActivities } from './webhook.ts';
import { announcePendingVersion, flipActive, markVersionFailed, resolveRollbackTarget, restoreActive, writeVersionKeys } from './versions.ts';

export type { ActivityDeps } from './context.ts';
export type { NextdeployActivities } from './types.ts';
export type { WebhookConfig } from './webhook.ts';
export { createCloudflareClient } from './cloudflare.ts';

/**
 * Every activity of the deploy and rollback workflows, bound to its dependencies (Cloudflare
 * client, clock, edge address). The worker registers the returned object as its activities.
 */
export function createActivities(deps: ActivityDeps): NextdeployActivities {
  const ctx = createCtx(deps);
  const webhook = deps.webhook ? createWebhookActivities(deps.webhook) : null;
  return {
    preflight: async (input) => ({ ...(await preflight(ctx, input)), webhook: webhook !== null }),
    triggerDeployment: (args) => triggerDeployment(ctx, args),
    awaitDeployment: (args) => awaitDeployment(ctx, args),
    upsertDnsRecord: (args) => upsertDnsRecord(ctx, args),
    restoreDnsRecord: (args) => restoreDnsRecord(ctx, args),
    attachCustomDomain: (args) => attachCustomDomain(ctx, args),
    awaitCustomDomain: (args) => awaitCustomDomain(ctx, args),
    detachCustomDomain: (args) => detachCustomDomain(ctx, args),
    writeVersionKeys: (args) => writeVersionKeys(ctx, args),
    announcePendingVersion: (args) => announcePendingVersion(ctx, args),
    markVersionFailed: (args) => markVersionFailed(ctx, args),
    flipActive: (args) => flipActive(ctx, args),
    restoreActive: (args) => restoreActive(ctx, args),
    resolveRollbackTarget: (args) => resolveRollbackTarget(ctx, args),
    runChecks: (args) => runChecks(ctx, args),
    // Always registered so the workflow needs no flag (and no secret) to call it: the worker's
    // environment alone decides whether a request goes out.
    notifyDeployFinished: async (n) => (webhook ? { delivered: true, status: (await webhook.notifyDeployFinished(n)).status } : { delivered: false, status: null }),
    planRetention: (args) => planRetention(ctx, args),
    pruneVersions: (args) => pruneVersions(ctx, args),
    pruneDeployments: (args) => pruneDeployments(ctx, args),
  };
}
