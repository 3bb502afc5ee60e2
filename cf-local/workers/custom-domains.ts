/**
 * Workers Custom Domains: a hostname of an active zone whose requests a Worker answers as their
 * origin (all paths, exact hostname, no wildcards). Attaching makes the DNS record Cloudflare
 * makes for one: a proxied AAAA `100::`, read-only, marked with the Worker it serves
 * (`meta.origin_worker_id`, `meta.read_only`; DNSControl/dnscontrol#4907 shows the AAAA `100::`).
 * Detaching removes it. The edge (edge.ts) sends the hostname to the Worker's deployment; a zone
 * route on the same hostname still runs first (see there). HTTP routes: handlers/workers-domains.ts.
 *
 * This module reads scripts straight from the store rather than through workers/model.ts:
 * model.ts calls `removeScriptDomains` when a script goes, and the two must not import each other.
 */
import { randomUUID } from 'node:crypto';
import type { RecordResponse } from 'cloudflare/resources/dns/records';
import type { Zone } from 'cloudflare/resources/zones/zones';
import type { AccountModel } from '../account-model.ts';
import { CfApiError, Errors } from '../errors.ts';
import { hexId } from '../http.ts';
import type { WorkerDomainRecord } from '../state.ts';
import { addDnsRecord, findZoneById, findZoneByName, listZones, removeDnsRecord, zoneDnsRecords } from '../zones/model.ts';

/** What the managed record points at: IPv6 discard-only space, answered by the Worker (DNSControl/dnscontrol#4907). */
export const WORKER_DOMAIN_CONTENT = '100::';
/** Records that claim the hostname's address; MX and TXT beside an apex custom domain are common and allowed. */
const ADDRESS_TYPES = new Set(['A', 'AAAA', 'CNAME']);

/**
 * The Workers API's answers for a refused attach. Statuses and wording where a public source
 * shows them; each says where it was seen.
 */
export const DomainErrors = {
  /** Source: alchemy-run/alchemy-async#1384 (PUT .../workers/domains: "HTTP 409 code 100116"). */
  inUse: (host: string) =>
    new CfApiError(409, { code: 100116, message: `Hostname '${host}' already in use by other custom domain. Either delete it, try a different hostname, or use the option 'override_existing_origin' to override.` }),
  /** Source: vm0-ai/vm0#33406 (409, 100117, the current wording); cloudflare/workers-sdk#9878 (the same code). */
  dnsConflict: (host: string) =>
    new CfApiError(409, { code: 100117, message: `Hostname '${host}' already has externally managed DNS records (A, CNAME, etc). Delete them first or try a different hostname.` }),
  /** Source: cloudflare/workers-sdk#2906, #4025 (10083, this wording); the status is not shown there, 400 is a guess. */
  zoneNotFound: (host: string) => new CfApiError(400, { code: 10083, message: `workers.api.error.zone_not_found for "${host}"` }),
  /** Source: the message quoted in velsa/notehost#46 (10082); status not shown, 400 is a guess. */
  zoneNotInferred: (host: string) =>
    new CfApiError(400, { code: 10082, message: `workers.api.error.zone_not_specified - Can't infer zone from route, please specify zone for "${host}"` }),
  /**
   * An unknown domain id. The live code is not in a public source: the API's generic answer for an
   * object id it cannot find (7003) stands in, with 404 as the SDK's `NotFoundError` expects.
   */
  notFound: (path: string) => new CfApiError(404, { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` }),
};

export interface AttachInput {
  hostname?: unknown;
  service?: unknown;
  zone_id?: unknown;
  zone_name?: unknown;
  environment?: unknown;
  /** Not in the schema, but the live API takes it (alchemy-run/alchemy-async#1384): move the hostname from another Worker. */
  override_existing_origin?: unknown;
}

export type DomainFilters = Partial<Record<'zone_id' | 'zone_name' | 'service' | 'hostname' | 'environment', string>>;

/** A domain as the API answers it (SDK `DomainGetResponse`; `environment` is always production here). */
export function domainView(d: WorkerDomainRecord) {
  return { id: d.id, cert_id: d.cert_id, environment: 'production', hostname: d.hostname, service: d.service, zone_id: d.zone_id, zone_name: d.zone_name };
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A DNS hostname: letter/digit/hyphen labels, no wildcard and no path (a custom domain is one exact host). */
function normaliseHostname(raw: unknown): string {
  const host = typeof raw === 'string' ? raw.trim().toLowerCase().replace(/\.$/, '') : '';
  const label = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
  if (host === '' || host.length > 253 || !host.includes('.') || !host.split('.').every((l) => label.test(l))) {
    // Emulator wording and code (the schema-validation family); the live code is not public.
    throw Errors.invalidRequest(`hostname: '${String(raw)}' is not a valid hostname (one exact host, no wildcard or path)`);
  }
  return host;
}

const inZone = (host: string, zone: Zone) => host === zone.name || host.endsWith(`.${zone.name}`);

/** The zone the body names (zone_id first, then zone_name), else the most specific zone holding the hostname. */
function resolveZone(account: AccountModel, host: string, input: AttachInput): Zone {
  const byId = text(input.zone_id);
  const byName = text(input.zone_name)?.toLowerCase();
  let zone: Zone | undefined;
  if (byId !== undefined) zone = findZoneById(account.store, byId);
  else if (byName !== undefined) zone = findZoneByName(account.store, byName);
  else {
    zone = listZones(account.store).filter((z) => inZone(host, z)).sort((a, b) => b.name.length - a.name.length)[0];
    if (!zone) throw DomainErrors.zoneNotInferred(host);
  }
  // Both given must agree; the hostname must lie in the zone; only an active zone serves one.
  if (!zone || (byId !== undefined && byName !== undefined && zone.name !== byName) || !inZone(host, zone) || zone.status !== 'active') {
    throw DomainErrors.zoneNotFound(host);
  }
  return zone;
}

export function listWorkerDomains(account: AccountModel, filters: DomainFilters = {}): WorkerDomainRecord[] {
  const host = filters.hostname?.toLowerCase();
  return account.store.data.workerDomains.filter(
    (d) =>
      (filters.zone_id === undefined || d.zone_id === filters.zone_id) &&
      (filters.zone_name === undefined || d.zone_name === filters.zone_name.toLowerCase()) &&
      (filters.service === undefined || d.service === filters.service) &&
      (host === undefined || d.hostname === host) &&
      // Every domain is on the production environment (service environments are deprecated).
      (filters.environment === undefined || filters.environment === 'production'),
  );
}

export function findWorkerDomain(account: AccountModel, id: string): WorkerDomainRecord | undefined {
  return account.store.data.workerDomains.find((d) => d.id === id);
}

/** The custom domain a request host names (exact match, the edge's lookup). */
export function workerDomainForHost(account: AccountModel, host: string): WorkerDomainRecord | undefined {
  const h = host.toLowerCase();
  return account.store.data.workerDomains.find((d) => d.hostname === h);
}

/** The read-only record Cloudflare makes for a custom domain. */
function managedRecord(account: AccountModel, host: string, service: string): RecordResponse {
  const now = account.isoNow();
  return {
    id: hexId(),
    name: host,
    type: 'AAAA',
    content: WORKER_DOMAIN_CONTENT,
    proxiable: true,
    proxied: true,
    ttl: 1,
    settings: {},
    // Not in the SDK's Meta type; what the live API marks a Worker's record with.
    meta: { origin_worker_id: service, read_only: true } as RecordResponse.AAAARecord['meta'],
    comment: null as unknown as string,
    tags: [],
    created_on: now,
    modified_on: now,
  };
}

/** Makes sure the domain's managed record exists (an idempotent attach repairs a removed one). */
function ensureManagedRecord(account: AccountModel, d: WorkerDomainRecord): void {
  if (zoneDnsRecords(account.store, d.zone_id).some((e) => e.record.id === d.dns_record_id)) return;
  const record = managedRecord(account, d.hostname, d.service);
  addDnsRecord(account.store, { zoneId: d.zone_id, record });
  d.dns_record_id = record.id;
}

/**
 * `PUT .../workers/domains`. The same hostname and Worker again answers the existing domain
 * (same id); another Worker's hostname is 409 100116 unless `override_existing_origin` moves it
 * (the old domain goes, a new one with a new id is made: what the live API's "delete it" implies);
 * an A/AAAA/CNAME record of the hostname that is not the Worker's own is 409 100117 (no override:
 * the override is for another Worker's record, per cloudflare/workers-sdk#9878, which 100116 covers).
 */
export function attachWorkerDomain(account: AccountModel, input: AttachInput): WorkerDomainRecord {
  const host = normaliseHostname(input.hostname);
  const service = text(input.service);
  if (service === undefined) throw Errors.invalidRequest('service: is required');
  if (input.environment !== undefined && input.environment !== 'production') {
    throw Errors.invalidRequest(`environment: '${String(input.environment)}' does not exist; Workers here have only 'production'`);
  }
  const zone = resolveZone(account, host, input);
  if (!account.store.data.scripts.some((s) => s.id === service)) throw Errors.workerNotFound();
  const existing = workerDomainForHost(account, host);
  if (existing && existing.service === service) {
    ensureManagedRecord(account, existing);
    account.persist();
    return existing;
  }
  if (existing && input.override_existing_origin !== true) throw DomainErrors.inUse(host);
  const own = existing?.dns_record_id;
  if (zoneDnsRecords(account.store, zone.id).some((e) => e.record.name === host && ADDRESS_TYPES.has(e.record.type) && e.record.id !== own)) {
    throw DomainErrors.dnsConflict(host);
  }
  if (existing) detachWorkerDomain(account, existing);
  const record = managedRecord(account, host, service);
  addDnsRecord(account.store, { zoneId: zone.id, record });
  const d: WorkerDomainRecord = {
    id: hexId(),
    hostname: host,
    service,
    zone_id: zone.id,
    zone_name: zone.name,
    cert_id: randomUUID(),
    created_on: account.isoNow(),
    dns_record_id: record.id,
  };
  account.store.data.workerDomains = [...account.store.data.workerDomains, d];
  account.persist();
  return d;
}

/** `DELETE .../workers/domains/{id}`: the hostname stops reaching the Worker and its record goes. */
export function detachWorkerDomain(account: AccountModel, d: WorkerDomainRecord): void {
  const entry = zoneDnsRecords(account.store, d.zone_id).find((e) => e.record.id === d.dns_record_id);
  if (entry) removeDnsRecord(account.store, entry);
  account.store.data.workerDomains = account.store.data.workerDomains.filter((x) => x.id !== d.id);
  account.persist();
}

/** A deleted script's domains go with it (and their records), as on Cloudflare. */
export function removeScriptDomains(account: AccountModel, script: string): void {
  for (const d of listWorkerDomains(account, { service: script })) detachWorkerDomain(account, d);
}
