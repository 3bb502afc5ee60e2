/** DNS records of a zone: list (name/type/content filters), get, create, edit (PATCH), overwrite (PUT), delete. */
import { isIPv4, isIPv6 } from 'node:net';
import type { RecordResponse } from 'cloudflare/resources/dns/records';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import { paginate, type Ctx, type RouteDef } from '../api-routes.ts';
import { addDnsRecord, findDnsRecord, removeDnsRecord, replaceDnsRecord, zoneDnsRecords } from '../zones/model.ts';

const READ = ['DNS Read', 'DNS Write'];
const WRITE = ['DNS Write'];
const TYPES = ['A', 'AAAA', 'CAA', 'CERT', 'CNAME', 'DNSKEY', 'DS', 'HTTPS', 'LOC', 'MX', 'NAPTR', 'NS', 'OPENPGPKEY', 'PTR', 'SMIMEA', 'SRV', 'SSHFP', 'SVCB', 'TLSA', 'TXT', 'URI'];
const PROXIABLE = new Set(['A', 'AAAA', 'CNAME']);

interface RecordInput {
  type?: string;
  name?: string;
  content?: string;
  ttl?: number;
  proxied?: boolean;
  comment?: string | null;
  tags?: string[];
  priority?: number;
  settings?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

/** DNS validation errors (code 9xxx family of the DNS API; 9005/9021/9007 as the API reports them). */
const dnsInvalid = (code: number, message: string) => new CfApiError(400, { code, message });

function fqdn(name: string, zoneName: string): string {
  let n = name.trim().toLowerCase().replace(/\.$/, '');
  if (n === '@' || n === '') return zoneName;
  if (n !== zoneName && !n.endsWith(`.${zoneName}`)) n = `${n}.${zoneName}`;
  return n;
}

function validate(input: RecordInput, zoneName: string): Required<Pick<RecordInput, 'type' | 'name' | 'content'>> & RecordInput {
  if (!input.type) throw dnsInvalid(9004, 'DNS Validation Error: type is required.');
  const type = String(input.type).toUpperCase();
  if (!TYPES.includes(type)) throw dnsInvalid(9004, `DNS Validation Error: Invalid DNS record type "${input.type}".`);
  if (input.name === undefined || input.name === null || String(input.name).trim() === '') throw dnsInvalid(9007, 'DNS Validation Error: name is required.');
  const content = input.content === undefined || input.content === null ? '' : String(input.content);
  if (content === '' && ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'NS', 'PTR'].includes(type)) throw dnsInvalid(9005, 'DNS Validation Error: content is required.');
  if (type === 'A' && !isIPv4(content)) throw dnsInvalid(9005, 'Content for A record must be a valid IPv4 address.');
  if (type === 'AAAA' && !isIPv6(content)) throw dnsInvalid(9005, 'Content for AAAA record must be a valid IPv6 address.');
  if (type === 'CNAME' && !/^[a-z0-9*_.-]+$/i.test(content)) throw dnsInvalid(9005, 'Content for CNAME record is invalid.');
  if (input.ttl !== undefined && input.ttl !== 1 && (typeof input.ttl !== 'number' || input.ttl < 60 || input.ttl > 86400))
    throw dnsInvalid(9021, 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.');
  if (input.proxied && !PROXIABLE.has(type)) throw dnsInvalid(9004, `DNS Validation Error: a ${type} record cannot be proxied.`);
  const name = fqdn(String(input.name), zoneName);
  if (!name.endsWith(zoneName)) throw dnsInvalid(9007, 'DNS Validation Error: name does not belong to the zone.');
  return { ...input, type, name, content: type === 'CNAME' ? content.toLowerCase().replace(/\.$/, '') : content };
}

function conflicts(ctx: Ctx, zoneId: string, rec: { type: string; name: string; content: string }, exceptId?: string): void {
  const others = zoneDnsRecords(ctx.account.store, zoneId).filter((e) => e.record.id !== exceptId && e.record.name === rec.name);
  for (const { record: o } of others) {
    if (o.type === rec.type && (o.content ?? '') === rec.content) throw Errors.dnsIdentical();
  }
  if (rec.type === 'CNAME' && others.some(({ record: o }) => o.type === 'A' || o.type === 'AAAA' || o.type === 'CNAME')) throw Errors.dnsHostConflict();
  if ((rec.type === 'A' || rec.type === 'AAAA') && others.some(({ record: o }) => o.type === 'CNAME')) throw Errors.dnsCnameConflict();
}

/**
 * A record as the API answers it, field order included:
 * `{"id","name","type","content","proxiable","proxied","ttl","settings","meta","comment":null,"tags":[],"created_on","modified_on"}`
 * (real listings quoted in public code, e.g. a DNS:Read listing with `"settings":{"flatten_cname":false}`
 * on CNAMEs and `"comment":null`). The SDK types `comment` as an optional string and the schema as a
 * required string; the API sends null for a record without a comment. No `data` for A/AAAA/CNAME/TXT.
 */
function build(id: string, v: ReturnType<typeof validate>, created: string, modified: string): RecordResponse {
  const fields = {
    id,
    name: v.name,
    type: v.type,
    content: v.content,
    proxiable: PROXIABLE.has(v.type),
    proxied: PROXIABLE.has(v.type) ? Boolean(v.proxied) : false,
    ttl: v.ttl ?? 1,
    settings: v.settings ?? (v.type === 'CNAME' ? { flatten_cname: false } : {}),
    meta: {},
    comment: (v.comment ?? null) as string | undefined,
    tags: v.tags ?? [],
    created_on: created,
    modified_on: modified,
  } satisfies Omit<RecordResponse.CNAMERecord, 'type'> & { type: string };
  const out = fields as RecordResponse;
  if (v.priority !== undefined) (out as { priority?: number }).priority = v.priority;
  if (v.data !== undefined) (out as { data?: unknown }).data = v.data;
  return out;
}

function findRecord(ctx: Ctx, zoneId: string) {
  const entry = findDnsRecord(ctx.account.store, zoneId, ctx.params.dns_record_id!);
  if (!entry) throw Errors.dnsRecordNotFound();
  return entry;
}

function stringMatch(value: string, q: URLSearchParams, key: string): boolean {
  const exact = q.get(key) ?? q.get(`${key}.exact`);
  if (exact !== null && value !== exact.toLowerCase() && value !== exact) return false;
  const contains = q.get(`${key}.contains`);
  if (contains !== null && !value.includes(contains)) return false;
  const starts = q.get(`${key}.startswith`);
  if (starts !== null && !value.startsWith(starts)) return false;
  const ends = q.get(`${key}.endswith`);
  if (ends !== null && !value.endsWith(ends)) return false;
  return true;
}

export const dnsRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/zones/{zone_id}/dns_records',
    operation: 'dns.records.list',
    permissions: READ,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const q = ctx.query;
      // Filters compare with the stored (fully qualified, lowercase) name, as the API does: a relative
      // `name=www` matches nothing there either.
      const q2 = q;
      const type = q.get('type');
      const proxied = q.get('proxied');
      const records = zoneDnsRecords(ctx.account.store, zone.id)
        .map((e) => e.record)
        .filter((r) => (!type || r.type === type.toUpperCase()) && stringMatch(r.name, q2, 'name') && stringMatch(r.content ?? '', q, 'content'))
        .filter((r) => proxied === null || String(r.proxied) === proxied);
      return paginate(records, q, 100, 5_000_000);
    },
  },
  {
    method: 'GET',
    template: '/zones/{zone_id}/dns_records/{dns_record_id}',
    operation: 'dns.records.get',
    permissions: READ,
    handler: (ctx) => ({ result: findRecord(ctx, ctx.account.zone(ctx.params.zone_id!).id).record }),
  },
  {
    method: 'POST',
    template: '/zones/{zone_id}/dns_records',
    operation: 'dns.records.create',
    permissions: WRITE,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const v = validate(ctx.json<RecordInput>(), zone.name);
      conflicts(ctx, zone.id, v);
      const now = ctx.account.isoNow();
      const record = build(hexId(), v, now, now);
      addDnsRecord(ctx.account.store, { zoneId: zone.id, record });
      return { result: record };
    },
  },
  {
    method: 'PATCH',
    template: '/zones/{zone_id}/dns_records/{dns_record_id}',
    operation: 'dns.records.edit',
    permissions: WRITE,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const entry = findRecord(ctx, zone.id);
      const cur = entry.record as RecordResponse & RecordInput;
      const patch = ctx.json<RecordInput>();
      const merged: RecordInput = {
        type: cur.type,
        name: cur.name,
        content: cur.content,
        ttl: cur.ttl,
        proxied: cur.proxied,
        comment: cur.comment,
        tags: cur.tags,
        settings: cur.settings as Record<string, unknown>,
        ...patch,
      };
      const v = validate(merged, zone.name);
      conflicts(ctx, zone.id, v, cur.id);
      return { result: replaceDnsRecord(ctx.account.store, entry, build(cur.id, v, cur.created_on, ctx.account.isoNow())) };
    },
  },
  {
    method: 'PUT',
    template: '/zones/{zone_id}/dns_records/{dns_record_id}',
    operation: 'dns.records.update',
    permissions: WRITE,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const entry = findRecord(ctx, zone.id);
      const v = validate(ctx.json<RecordInput>(), zone.name);
      conflicts(ctx, zone.id, v, entry.record.id);
      return { result: replaceDnsRecord(ctx.account.store, entry, build(entry.record.id, v, entry.record.created_on, ctx.account.isoNow())) };
    },
  },
  {
    method: 'DELETE',
    template: '/zones/{zone_id}/dns_records/{dns_record_id}',
    operation: 'dns.records.delete',
    permissions: WRITE,
    handler: (ctx) => {
      const zone = ctx.account.zone(ctx.params.zone_id!);
      const entry = findRecord(ctx, zone.id);
      removeDnsRecord(ctx.account.store, entry);
      return { result: { id: entry.record.id } };
    },
  },
];
