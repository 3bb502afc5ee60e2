import { ApplicationFailure } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import { NOT_RETRYABLE, RETRYABLE } from '../core/failures.ts';
import type { Ctx } from './context.ts';
import { attempt } from './context.ts';
import { CF_CODES, cloudflareCode } from './errors.ts';

export interface DomainArgs {
  accountId: string;
  pagesProject: string;
  hostname: string;
}

interface DomainLike {
  name: string;
  status: string;
  validation_data?: { status?: string; error_message?: string | null } | null;
  verification_data?: { status?: string; error_message?: string | null } | null;
}

/** The project's custom domain `hostname`, or null. */
export async function findDomain(ctx: Ctx, args: DomainArgs): Promise<DomainLike | null> {
  return ctx.find(`pages.projects.domains.get ${args.hostname}`, async () =>
    (await ctx.cf.pages.projects.domains.get(args.hostname, { account_id: args.accountId, project_name: args.pagesProject })) as unknown as DomainLike,
  );
}

/** Attaches the domain; "already added" is success, with the domain as it is read to confirm it. */
async function attach(ctx: Ctx, args: DomainArgs): Promise<{ attachedByUs: true } | { attachedByUs: false; domain: DomainLike }> {
  try {
    await ctx.cf.pages.projects.domains.create(args.pagesProject, { account_id: args.accountId, name: args.hostname });
    return { attachedByUs: true };
  } catch (err) {
    const domain = cloudflareCode(err) === CF_CODES.PAGES_DOMAIN_EXISTS ? await findDomain(ctx, args) : null;
    if (domain) return { attachedByUs: false, domain };
    return ctx.call(`pages.projects.domains.create ${args.hostname}`, () => Promise.reject(err));
  }
}

/** Step 4a: attach the custom domain; "already added" is success, and says we did not attach it. */
export async function attachCustomDomain(ctx: Ctx, args: DomainArgs): Promise<{ attachedByUs: boolean }> {
  ctx.checkAccount(args.accountId);
  return { attachedByUs: (await attach(ctx, args)).attachedByUs };
}

const stillPending = (message: string) =>
  ApplicationFailure.create({ type: RETRYABLE.STILL_PENDING, message, nonRetryable: false, category: ApplicationFailureCategory.BENIGN });

/**
 * Step 4b, one poll: done when the domain and its certificate validation are active; DOMAIN_FAILED
 * on error/blocked; otherwise STILL_PENDING (the retry policy waits, the workflow's window ends it).
 * With `attach`, step 4 whole in one activity: the first attempt attaches the domain (a domain
 * attached just now is not active yet: STILL_PENDING without asking), and a later attempt that
 * finds it gone attaches it again; one activity (and one workflow task) fewer per deploy.
 */
export async function awaitCustomDomain(ctx: Ctx, args: DomainArgs & { attach?: boolean }): Promise<{ status: string; attempt: number }> {
  ctx.checkAccount(args.accountId);
  let d: DomainLike | null = null;
  if (args.attach && attempt() === 1) {
    const attached = await attach(ctx, args);
    if (attached.attachedByUs) throw stillPending(`custom domain ${args.hostname} attached; waiting for it to become active`);
    // Already there: the read that confirmed it is this poll's read.
    d = attached.domain;
  }
  d ??= await findDomain(ctx, args);
  if (!d && args.attach) {
    await attach(ctx, args);
    throw stillPending(`custom domain ${args.hostname} was not on project ${args.pagesProject}: attached again`);
  }
  if (!d) throw ApplicationFailure.nonRetryable(`custom domain ${args.hostname} is not on project ${args.pagesProject}`, NOT_RETRYABLE.DOMAIN_FAILED);
  const validation = d.validation_data?.status;
  if (d.status === 'error' || d.status === 'blocked' || validation === 'error') {
    const why = d.validation_data?.error_message ?? d.verification_data?.error_message ?? d.status;
    throw ApplicationFailure.nonRetryable(`custom domain ${args.hostname} is ${d.status}: ${why}`, NOT_RETRYABLE.DOMAIN_FAILED);
  }
  if (d.status === 'active' && (validation === undefined || validation === 'active')) return { status: 'active', attempt: attempt() };
  throw stillPending(`custom domain ${args.hostname} is ${d.status}${validation ? ` (certificate ${validation})` : ''}`);
}

/** Compensation of step 4 (only registered when this deploy attached it): detach; gone is fine. */
export async function detachCustomDomain(ctx: Ctx, args: DomainArgs): Promise<void> {
  ctx.checkAccount(args.accountId);
  await ctx.find(`pages.projects.domains.delete ${args.hostname}`, () =>
    ctx.cf.pages.projects.domains.delete(args.hostname, { account_id: args.accountId, project_name: args.pagesProject }),
  );
}
