import { ApplicationFailure } from '@temporalio/activity';
import type { DeployInput } from '../core/deploy-input.ts';
import { deployInputSchema } from '../core/deploy-input.ts';
import { NOT_RETRYABLE } from '../core/failures.ts';
import { formatZodIssues } from '../core/metadata.ts';
import { checkToken, describeMissing } from '../core/token-permissions.ts';
import type { Ctx } from './context.ts';
import { pickRecord, recordsAt } from './dns.ts';
import { findDomain } from './domains.ts';
import { httpStatus } from './errors.ts';
import { KvStore } from './kv-store.ts';
import { findWorkerDomain, type WorkerDomainSnapshot } from './worker-domains.ts';
import type { DnsRecordSnapshot } from './dns.ts';

/** What preflight hands the rest of the run. */
export interface PreflightResult {
  zoneName: string;
  /** The live version before this deploy (null = the app was never live). */
  activeVersion: string | null;
  /** The record the hostname has now (null = none). */
  dnsRecord: DnsRecordSnapshot | null;
  /** Whether the Pages project already has the custom domain. */
  domainExisted: boolean;
  /** Native Workers routing: the Worker the hostname was a custom domain of (null: none); absent otherwise. */
  workerDomain?: WorkerDomainSnapshot;
  /**
   * Whether the worker that ran preflight sends the deploy webhook. False: the workflow schedules
   * no notification at the end. Absent (histories of older workers): it does, as before.
   */
  webhook?: boolean;
}

interface TokenDetails {
  status?: string;
  policies?: { permission_groups?: { name?: string }[] }[];
}

/**
 * The token's permission groups, or null when the token may not read its own details (then
 * each call's 403 names what is missing, later). Account-owned tokens verify under the account.
 */
async function heldPermissionGroups(ctx: Ctx, accountId: string): Promise<string[] | null> {
  let id: string;
  let accountToken = false;
  try {
    const v = await ctx.cf.user.tokens.verify();
    if (v.status !== 'active') throw ApplicationFailure.nonRetryable(`the API token is ${v.status}`, NOT_RETRYABLE.INVALID_TOKEN);
    id = v.id;
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    if (httpStatus(err) !== 401 && httpStatus(err) !== 403) return ctx.call('user.tokens.verify', () => Promise.reject(err));
    const v = await ctx.call('accounts.tokens.verify', () => ctx.cf.accounts.tokens.verify({ account_id: accountId }));
    if (v.status !== 'active') throw ApplicationFailure.nonRetryable(`the API token is ${v.status}`, NOT_RETRYABLE.INVALID_TOKEN);
    id = v.id;
    accountToken = true;
  }
  try {
    const details = (accountToken
      ? await ctx.cf.accounts.tokens.get(id, { account_id: accountId })
      : await ctx.cf.user.tokens.get(id)) as unknown as TokenDetails;
    return (details.policies ?? []).flatMap((p) => (p.permission_groups ?? []).map((g) => g.name ?? '')).filter(Boolean);
  } catch (err) {
    if (httpStatus(err) === 403) {
      ctx.log('the token may not read its own permissions; missing ones will surface as PERMISSION_DENIED per call');
      return null;
    }
    return ctx.call('tokens.get', () => Promise.reject(err));
  }
}

/**
 * Step 0: the input is valid; the token holds every permission the run needs (named when not);
 * the hostname lies inside the zone and the zone is active; and a snapshot of what the saga will
 * need (live version, the hostname's DNS record, whether the custom domain exists).
 */
export async function preflight(ctx: Ctx, rawInput: DeployInput): Promise<PreflightResult> {
  const parsed = deployInputSchema().safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid deploy input: ${formatZodIssues(parsed.error).join('; ')}`, NOT_RETRYABLE.INVALID_INPUT);
  }
  const input = parsed.data;
  ctx.checkAccount(input.accountId);
  ctx.checkZone(input.zoneId);

  const held = await ctx.remember(`token permissions in ${input.accountId}`, () => heldPermissionGroups(ctx, input.accountId));
  if (held) {
    const result = checkToken(held, {
      source: input.source.type === 'directory' ? 'direct-upload' : input.source.type,
      dns: input.dns.enabled && !(input.source.type === 'workers' && input.source.routing === 'native'),
      customDomain: input.customDomain.enabled,
      ...(input.source.type === 'workers' ? { workersRouting: input.source.routing } : {}),
    });
    if (!result.ok) throw ApplicationFailure.nonRetryable(describeMissing(result).join('\n'), NOT_RETRYABLE.PERMISSION_DENIED);
  }

  const zone = await ctx.remember(`zone ${input.zoneId}`, () => ctx.call(`zones.get ${input.zoneId}`, () => ctx.cf.zones.get({ zone_id: input.zoneId })));
  const zoneName = zone.name.toLowerCase();
  if (input.hostname !== zoneName && !input.hostname.endsWith(`.${zoneName}`)) {
    throw ApplicationFailure.nonRetryable(`hostname ${input.hostname} is not inside zone ${zoneName}; refusing to touch another zone's names`, NOT_RETRYABLE.HOSTNAME_OUTSIDE_ZONE);
  }
  if (zone.status !== 'active') throw ApplicationFailure.nonRetryable(`zone ${zoneName} is ${zone.status}, not active`, NOT_RETRYABLE.ZONE_NOT_ACTIVE);
  if (input.checks.hostname && input.checks.hostname !== zoneName && !input.checks.hostname.endsWith(`.${zoneName}`)) {
    ctx.log('checks go to a hostname outside the zone', { checksHostname: input.checks.hostname });
  }

  // A Workers deploy has no Pages project behind it (its Worker may not exist yet either).
  if (input.source.type !== 'workers') {
    await ctx.remember(`project ${input.accountId}/${input.pagesProject}`, () =>
      ctx.call(`pages.projects.get ${input.pagesProject}`, () => ctx.cf.pages.projects.get(input.pagesProject, { account_id: input.accountId })),
    );
  }
  const active = await new KvStore(ctx, { accountId: input.accountId, kvNamespaceId: input.kvNamespaceId, app: input.app }).active();
  const dnsRecord = input.dns.enabled ? pickRecord(await recordsAt(ctx, input.zoneId, input.hostname)) : null;
  const domainExisted = input.customDomain.enabled
    ? (await findDomain(ctx, { accountId: input.accountId, pagesProject: input.pagesProject, hostname: input.hostname })) !== null
    : false;
  const native = input.source.type === 'workers' && input.source.routing === 'native';
  const workerDomain = native ? { workerDomain: await findWorkerDomain(ctx, { accountId: input.accountId, hostname: input.hostname }) } : {};
  return { zoneName, activeVersion: active?.version ?? null, dnsRecord, domainExisted, ...workerDomain };
}
