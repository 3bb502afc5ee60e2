// The Workers row's Cloudflare-native routing: the app's hostname as the Worker's own Workers
// Custom Domain (`PUT /accounts/{id}/workers/domains`). Cloudflare makes the hostname's DNS
// record and certificate itself; the script's deployment, moved at every flip
// (worker-deployments.ts), decides which version answers.
import { ApplicationFailure } from '@temporalio/activity';
import { NOT_RETRYABLE } from '../core/failures.ts';
import type { Ctx } from './context.ts';
import { cloudflareCode, httpStatus } from './errors.ts';

/** Arguments of {@link attachWorkerDomain} and {@link findWorkerDomain}. */
export interface WorkerDomainArgs {
  accountId: string;
  zoneId: string;
  hostname: string;
  /** The Worker the hostname should serve. */
  script: string;
}

/** Which Worker a hostname was a custom domain of before (null: none). */
export type WorkerDomainSnapshot = { service: string } | null;

/** Arguments of {@link restoreWorkerDomain}: put back what preflight saw. */
export interface RestoreWorkerDomainArgs extends WorkerDomainArgs {
  previous: WorkerDomainSnapshot;
}

interface DomainLike {
  id: string;
  hostname: string;
  service: string;
}

async function domainsAt(ctx: Ctx, accountId: string, hostname: string): Promise<DomainLike[]> {
  const page = await ctx.call(`workers.domains.list ${hostname}`, () => ctx.cf.workers.domains.list({ account_id: accountId, hostname }));
  return (page.getPaginatedItems() as DomainLike[]).filter((d) => d.hostname === hostname);
}

/** The Worker `hostname` is a custom domain of, if any (preflight's snapshot). */
export async function findWorkerDomain(ctx: Ctx, args: Pick<WorkerDomainArgs, 'accountId' | 'hostname'>): Promise<WorkerDomainSnapshot> {
  const [found] = await domainsAt(ctx, args.accountId, args.hostname);
  return found ? { service: found.service } : null;
}

/**
 * Attaches the hostname to the app's Worker. The PUT is idempotent for the same hostname and
 * Worker (a retry or a redeploy gets the same domain back), so it is always sent: no read first.
 */
export async function attachWorkerDomain(ctx: Ctx, args: WorkerDomainArgs): Promise<{ id: string; status: 'attached' }> {
  ctx.checkAccount(args.accountId);
  const attached = await ctx.call(`workers.domains.update ${args.hostname} → ${args.script}`, async () => {
    try {
      return await ctx.cf.workers.domains.update({ account_id: args.accountId, zone_id: args.zoneId, hostname: args.hostname, service: args.script });
    } catch (err) {
      if (httpStatus(err) !== 409) throw err;
      // 100116: another Worker's custom domain; 100117: a DNS record of the operator's. Either is the operator's decision.
      const why =
        cloudflareCode(err) === 100116
          ? 'is the custom domain of another Worker; detach it there first'
          : 'has a DNS record of its own; remove it (a Workers custom domain makes its own)';
      throw ApplicationFailure.nonRetryable(`${args.hostname} ${why}, or deploy with routing "router"`, NOT_RETRYABLE.CONFLICT);
    }
  });
  return { id: attached.id, status: 'attached' };
}

/** Compensation: the hostname back to the Worker it served before, or detached when it served none. */
export async function restoreWorkerDomain(ctx: Ctx, args: RestoreWorkerDomainArgs): Promise<void> {
  const [found] = await domainsAt(ctx, args.accountId, args.hostname);
  if (args.previous === null) {
    // Only this deploy's attachment goes; one someone made since stays.
    if (found?.service === args.script) await ctx.call(`workers.domains.delete ${found.id}`, () => ctx.cf.workers.domains.delete(found.id, { account_id: args.accountId }));
    return;
  }
  if (found?.service === args.previous.service) return;
  // Moving a hostname between Workers needs `override_existing_origin` (else 409 100116); the SDK's type lacks it.
  const body = { account_id: args.accountId, zone_id: args.zoneId, hostname: args.hostname, service: args.previous.service, override_existing_origin: true };
  await ctx.call(`workers.domains.update ${args.hostname} → ${args.previous.service}`, () => ctx.cf.workers.domains.update(body as Parameters<typeof ctx.cf.workers.domains.update>[0]));
}
