import { createHash } from 'node:crypto';
import type { PermissionGroupListResponse } from 'cloudflare/resources/user/tokens/permission-groups';

type Scope = NonNullable<PermissionGroupListResponse['scopes']>[number];
type Category = NonNullable<PermissionGroupListResponse['category']>;

const ACCOUNT: Scope = 'com.cloudflare.api.account';
const ZONE: Scope = 'com.cloudflare.api.account.zone';
const USER: Scope = 'com.cloudflare.api.user';

/**
 * The permission groups a token can hold, with the ids the real API gives them (as listed by
 * `GET /user/tokens/permission_groups`; ids gathered from public token policies, e.g. the
 * "read-only"/"write-everything" templates of jacobbednarz/cf-vault and the permission ids
 * documented with developers.cloudflare.com/fundamentals/api/reference/permissions/).
 */
const KNOWN: Array<[id: string, name: string, scopes: Scope[], category: Category]> = [
  ['8d28297797f24fb8a0c332fe0866ec89', 'Pages Write', [ACCOUNT], 'developer_platform'],
  ['e247aedd66bd41cc9193af0213416666', 'Pages Read', [ACCOUNT], 'developer_platform'],
  ['f7f0eda5697f475c90846e879bab8666', 'Workers KV Storage Write', [ACCOUNT], 'developer_platform'],
  ['8b47d2786a534c08a1f94ee8f9f599ef', 'Workers KV Storage Read', [ACCOUNT], 'developer_platform'],
  ['e086da7e2179491d91ee5f35b3ca210a', 'Workers Scripts Write', [ACCOUNT], 'developer_platform'],
  ['1a71c399035b4950a1bd1466bbe4f420', 'Workers Scripts Read', [ACCOUNT], 'developer_platform'],
  ['28f4b596e7d643029c524985477ae49a', 'Workers Routes Write', [ZONE], 'developer_platform'],
  ['2072033d694d415a936eaeb94e6405b8', 'Workers Routes Read', [ZONE], 'developer_platform'],
  ['05880cd1bdc24d8bae0be2136972816b', 'Workers Tail Read', [ACCOUNT], 'developer_platform'],
  ['bf7481a1826f439697cb59a20b22293e', 'Workers R2 Storage Write', [ACCOUNT], 'developer_platform'],
  ['b4992e1108244f5d8bfbd5744320c2e1', 'Workers R2 Storage Read', [ACCOUNT], 'developer_platform'],
  ['09b2857d1c31407795e75e3fed8617a1', 'D1 Write', [ACCOUNT], 'developer_platform'],
  ['192192df92ee43ac90f2aeeffce67e35', 'D1 Read', [ACCOUNT], 'developer_platform'],
  ['4755a26eedb94da69e1066d98aa820be', 'DNS Write', [ZONE], 'dns_and_zones'],
  ['82e64a83756745bbbb1c9c2701bf816b', 'DNS Read', [ZONE], 'dns_and_zones'],
  ['e6d2666161e84845a636613608cee8d5', 'Zone Write', [ZONE], 'dns_and_zones'],
  ['c8fed203ed3043cba015a93ad1616f1f', 'Zone Read', [ZONE], 'dns_and_zones'],
  ['3030687196b94b638145a3953da2b699', 'Zone Settings Write', [ZONE], 'dns_and_zones'],
  ['517b21aee92c4d89936c976ba6e4be55', 'Zone Settings Read', [ZONE], 'dns_and_zones'],
  ['c03055bc037c4ea9afb9a9f104b7b721', 'SSL and Certificates Write', [ZONE], 'app_security'],
  ['7b7216b327b04b8fbc8f524e1f9b7531', 'SSL and Certificates Read', [ZONE], 'app_security'],
  ['e17beae8b8cb423a99b1730f21238bed', 'Cache Purge', [ZONE], 'cache_and_performance'],
  ['1af1fa2adc104452b74a9a3364202f20', 'Account Settings Write', [ACCOUNT], 'account_and_billing'],
  ['c1fde68c7bcc44588cbb6ddbc16d6480', 'Account Settings Read', [ACCOUNT], 'account_and_billing'],
  ['5bc3f8b21c554832afc660159ab75fa4', 'Account API Tokens Write', [ACCOUNT], 'account_and_billing'],
  ['eb56a6953c034b9d97dd838155666f06', 'Account API Tokens Read', [ACCOUNT], 'account_and_billing'],
  ['b89a480218d04ceb98b4fe57ca29dc1f', 'Account Analytics Read', [ACCOUNT], 'analytics_and_logs'],
  ['0cc3a61731504c89b99ec1be78b77aa0', 'API Tokens Read', [USER], 'account_and_billing'],
  ['3518d0f75557482e952c6762d3e64903', 'Memberships Read', [USER], 'account_and_billing'],
  ['9201bc6f42d440968aaab0c6f17ebb1d', 'Memberships Write', [USER], 'account_and_billing'],
  ['8acbe5bb0d54464ab867149d7f7cf8ac', 'User Details Read', [USER], 'account_and_billing'],
  ['55a5e17cc99e4a3fa1f3432d262f2e55', 'User Details Write', [USER], 'account_and_billing'],
];

export interface PermissionGroup {
  id: string;
  name: string;
  scopes: Scope[];
  category: Category;
}

function stableId(name: string): string {
  return createHash('md5').update(`cf-local permission group ${name}`).digest('hex');
}

function guessScopes(name: string): Scope[] {
  if (/^(DNS|Zone|SSL|Cache|Workers Routes|Page Rules|Firewall)/.test(name)) return [ZONE];
  if (/^(API Tokens|Memberships|User Details)/.test(name)) return [USER];
  return [ACCOUNT];
}

/**
 * Every permission group the emulator knows: the catalogue above, plus any further group the
 * vendored OpenAPI schema names (passed in by the pipeline when that module is present), so the
 * default token really holds "every permission group in the schema".
 */
export function permissionGroupCatalogue(extraNames: Iterable<string> = []): PermissionGroup[] {
  const out = new Map<string, PermissionGroup>();
  for (const [id, name, scopes, category] of KNOWN) out.set(name, { id, name, scopes, category });
  for (const name of extraNames) {
    if (!out.has(name)) out.set(name, { id: stableId(name), name, scopes: guessScopes(name), category: 'other' });
  }
  return [...out.values()];
}

/**
 * The schema names some zone groups differently from the dashboard (`x-api-token-group`
 * "Zone Zone Read" / "Zone Zone Edit" / "Zone DNS Edit" for the dashboard's "Zone Read" /
 * "Zone Write" / "DNS Write"): a token holding the dashboard name holds the schema's too.
 */
const ALIASES: Record<string, string[]> = {
  'Zone Read': ['Zone Zone Read'],
  'Zone Write': ['Zone Zone Edit', 'Zone Zone Read'],
  'DNS Write': ['Zone DNS Edit'],
};

/** A Write group implies its Read group (the API grants read with edit), plus the aliases above. */
export function expandGranted(names: Iterable<string>): Set<string> {
  const set = new Set<string>();
  const add = (n: string) => {
    set.add(n);
    for (const a of ALIASES[n] ?? []) set.add(a);
  };
  for (const n of names) {
    add(n);
    if (n.endsWith(' Write')) add(n.replace(/ Write$/, ' Read'));
    if (n.endsWith(' Edit')) add(n.replace(/ Edit$/, ' Read'));
  }
  return set;
}
