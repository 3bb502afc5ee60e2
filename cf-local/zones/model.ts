/**
 * Zones and their DNS records: the named operations the API handlers, the seeding and the account
 * model use, so that only model modules touch the stored state. They take the Store, not the
 * account model, so the account model can build on them without an import cycle.
 */
import type { Zone } from 'cloudflare/resources/zones/zones';
import { LOCAL_ACCOUNT_ID, LOCAL_ACCOUNT_NAME, LOCAL_USER_EMAIL, LOCAL_USER_ID } from '../constants.ts';
import type { DnsRecordEntry, Store } from '../state.ts';

/** Every zone of the account, in creation order. */
export function listZones(store: Store): readonly Zone[] {
  return store.data.zones;
}

export function findZoneById(store: Store, id: string): Zone | undefined {
  return store.data.zones.find((z) => z.id === id);
}

export function findZoneByName(store: Store, name: string): Zone | undefined {
  return store.data.zones.find((z) => z.name === name);
}

/** The zone a hostname lies in (the apex or a name below it), first match in creation order. */
export function zoneForHostname(store: Store, host: string): Zone | undefined {
  return store.data.zones.find((z) => host === z.name || host.endsWith(`.${z.name}`));
}

/** Records a new zone and saves. */
export function insertZone(store: Store, zone: Zone): Zone {
  store.data.zones.push(zone);
  store.save();
  return zone;
}

/** The zone's DNS records, in creation order. */
export function zoneDnsRecords(store: Store, zoneId: string): DnsRecordEntry[] {
  return store.data.dnsRecords.filter((e) => e.zoneId === zoneId);
}

export function findDnsRecord(store: Store, zoneId: string, recordId: string): DnsRecordEntry | undefined {
  return store.data.dnsRecords.find((e) => e.zoneId === zoneId && e.record.id === recordId);
}

/** Adds a record to the zone and saves. */
export function addDnsRecord(store: Store, entry: DnsRecordEntry): DnsRecordEntry {
  store.data.dnsRecords.push(entry);
  store.save();
  return entry;
}

/** Replaces an entry's record in place (edit, overwrite) and saves. */
export function replaceDnsRecord(store: Store, entry: DnsRecordEntry, record: DnsRecordEntry['record']): DnsRecordEntry['record'] {
  entry.record = record;
  store.save();
  return record;
}

export function removeDnsRecord(store: Store, entry: DnsRecordEntry): void {
  store.data.dnsRecords = store.data.dnsRecords.filter((e) => e !== entry);
  store.save();
}

/** A zone as the API returns it: on the Free plan, owned by the local user and account. */
export function makeZone(id: string, name: string, created: string, status: NonNullable<Zone['status']> = 'active'): Zone {
  return {
    id,
    name,
    status,
    paused: false,
    type: 'full',
    development_mode: 0,
    name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: created,
    modified_on: created,
    activated_on: status === 'active' ? created : null,
    meta: { step: 2, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
    owner: { id: LOCAL_USER_ID, type: 'user', name: LOCAL_USER_EMAIL },
    account: { id: LOCAL_ACCOUNT_ID, name: LOCAL_ACCOUNT_NAME },
    permissions: ['#dns_records:edit', '#dns_records:read', '#zone:read', '#worker:edit', '#worker:read'],
    plan: {
      id: '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      name: 'Free Website',
      price: 0,
      currency: 'USD',
      frequency: '',
      is_subscribed: false,
      can_subscribe: false,
      legacy_id: 'free',
      legacy_discount: false,
      externally_managed: false,
    },
  };
}
