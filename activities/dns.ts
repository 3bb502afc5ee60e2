import { ApplicationFailure } from '@temporalio/activity';
import { NOT_RETRYABLE } from '../core/failures.ts';
import type { Ctx } from './context.ts';
import { CF_CODES, cloudflareCode } from './errors.ts';
import { listItems } from './paging.ts';

/** A DNS record as preflight found it, so the saga can put it back. */
export interface DnsRecordSnapshot {
  id: string;
  type: string;
  name: string;
  content: string;
  proxied: boolean;
  ttl: number;
}

export interface UpsertDnsArgs {
  zoneId: string;
  hostname: string;
  target: string;
  proxied: boolean;
}

export interface UpsertDnsResult {
  recordId: string;
  action: 'created' | 'updated' | 'unchanged';
}

export interface RestoreDnsArgs {
  zoneId: string;
  hostname: string;
  /** The content this deploy wrote (a record with other content is someone else's: left alone). */
  target: string;
  previous: DnsRecordSnapshot | null;
}

interface RecordLike {
  id: string;
  type: string;
  name: string;
  content?: string;
  proxied?: boolean;
  ttl?: number;
}

const snapshot = (r: RecordLike): DnsRecordSnapshot => ({
  id: r.id,
  type: r.type,
  name: r.name,
  content: r.content ?? '',
  proxied: r.proxied ?? false,
  ttl: r.ttl ?? 1,
});

/** Every record named exactly `hostname` (any type). */
export async function recordsAt(ctx: Ctx, zoneId: string, hostname: string): Promise<DnsRecordSnapshot[]> {
  return ctx.call(`dns.records.list ${hostname}`, async () => {
    const out: DnsRecordSnapshot[] = [];
    for await (const r of listItems<RecordLike>(ctx.cf.dns.records.list({ zone_id: zoneId, name: { exact: hostname } }))) {
      if (r.name.toLowerCase() === hostname) out.push(snapshot(r));
    }
    return out;
  });
}

/** The record the hostname has now: its CNAME, or whatever A/AAAA would clash with one. */
export function pickRecord(records: DnsRecordSnapshot[]): DnsRecordSnapshot | null {
  return records.find((r) => r.type === 'CNAME') ?? records.find((r) => r.type === 'A' || r.type === 'AAAA') ?? null;
}

/** Step 3: CNAME `hostname → target`, created or edited; identical means nothing to do. */
export async function upsertDnsRecord(ctx: Ctx, args: UpsertDnsArgs): Promise<UpsertDnsResult> {
  ctx.checkZone(args.zoneId);
  const existing = pickRecord(await recordsAt(ctx, args.zoneId, args.hostname));
  if (existing && existing.type !== 'CNAME') {
    throw ApplicationFailure.nonRetryable(
      `${args.hostname} has a ${existing.type} record (${existing.content}); remove it or choose another hostname: nextdeploy only replaces CNAMEs`,
      NOT_RETRYABLE.CONFLICT,
    );
  }
  if (existing) {
    if (existing.content.toLowerCase() === args.target && existing.proxied === args.proxied) return { recordId: existing.id, action: 'unchanged' };
    await ctx.call(`dns.records.edit ${args.hostname}`, () =>
      ctx.cf.dns.records.edit(existing.id, { zone_id: args.zoneId, type: 'CNAME', name: args.hostname, content: args.target, proxied: args.proxied, ttl: 1 }),
    );
    return { recordId: existing.id, action: 'updated' };
  }
  try {
    const created = await ctx.cf.dns.records.create({ zone_id: args.zoneId, type: 'CNAME', name: args.hostname, content: args.target, proxied: args.proxied, ttl: 1 });
    return { recordId: (created as RecordLike).id, action: 'created' };
  } catch (err) {
    // A create that raced (or an earlier attempt's create that landed): read it back.
    const code = cloudflareCode(err);
    if (code === CF_CODES.DNS_IDENTICAL || code === CF_CODES.DNS_IDENTICAL_OLD || code === CF_CODES.DNS_HOST_CONFLICT || code === CF_CODES.DNS_CNAME_CONFLICT) {
      const now = pickRecord(await recordsAt(ctx, args.zoneId, args.hostname));
      if (now?.type === 'CNAME' && now.content.toLowerCase() === args.target) return { recordId: now.id, action: 'unchanged' };
    }
    return ctx.call(`dns.records.create ${args.hostname}`, () => Promise.reject(err));
  }
}

/**
 * Compensation of step 3: put back the record preflight saw, or delete the CNAME this deploy
 * created. A record pointing elsewhere was changed by someone else after us: left alone.
 */
export async function restoreDnsRecord(ctx: Ctx, args: RestoreDnsArgs): Promise<void> {
  ctx.checkZone(args.zoneId);
  const records = await recordsAt(ctx, args.zoneId, args.hostname);
  const ours = records.find((r) => r.type === 'CNAME' && r.content.toLowerCase() === args.target);
  const prev = args.previous;
  if (!prev) {
    if (ours) {
      await ctx.find(`dns.records.delete ${args.hostname}`, () => ctx.cf.dns.records.delete(ours.id, { zone_id: args.zoneId }));
    }
    return;
  }
  const current = records.find((r) => r.id === prev.id);
  if (current) {
    const same = current.type === prev.type && current.content === prev.content && current.proxied === prev.proxied && current.ttl === prev.ttl;
    if (same) return;
    if (current.type === 'CNAME' && current.content.toLowerCase() !== args.target) {
      ctx.log('DNS record changed by someone else since the deploy; not restoring', { hostname: args.hostname });
      return;
    }
    await ctx.call(`dns.records.edit ${args.hostname}`, () =>
      ctx.cf.dns.records.edit(prev.id, { zone_id: args.zoneId, type: prev.type as 'CNAME', name: prev.name, content: prev.content, proxied: prev.proxied, ttl: prev.ttl }),
    );
    return;
  }
  // The original record is gone (replaced, not edited): recreate it in place of ours.
  if (ours) await ctx.find(`dns.records.delete ${args.hostname}`, () => ctx.cf.dns.records.delete(ours.id, { zone_id: args.zoneId }));
  await ctx.call(`dns.records.create ${args.hostname}`, () =>
    ctx.cf.dns.records.create({ zone_id: args.zoneId, type: prev.type as 'CNAME', name: prev.name, content: prev.content, proxied: prev.proxied, ttl: prev.ttl }),
  );
}
