// Safe for: worker, workflow (data only)
/**
 * How the Cloudflare dashboard's "Create API token" page names each permission group: scope →
 * resource → access. The API names the same groups differently (`GET
 * /user/tokens/permission_groups`: "DNS Write"), and an operator fixing a token works from the
 * dashboard, so the validator prints both. Covers every group the schema names (a test checks).
 *
 * The schema also uses a few internal spellings ("Zone Zone Read", "Zone DNS Edit"); they map
 * to the dashboard permission a token actually carries, which makes them equivalent to
 * "Zone Read" and "DNS Write" when a token is checked.
 */
import type { PermissionGroupName } from './permissions.generated.ts';

/** Scope → resource → access, as the dashboard shows it. */
export interface DashboardPermission {
  scope: 'Account' | 'Zone' | 'User';
  resource: string;
  access: string;
}

const p = (scope: DashboardPermission['scope'], resource: string, access: string): DashboardPermission => ({
  scope,
  resource,
  access,
});

/** Every schema group name → its dashboard name. */
export const DASHBOARD_PERMISSIONS: Readonly<Record<PermissionGroupName, DashboardPermission>> = {
  'API Tokens Read': p('User', 'API Tokens', 'Read'),
  'API Tokens Write': p('User', 'API Tokens', 'Edit'),
  // Listed by the schema on zone get, so the zone-level Access groups.
  'Access: Apps and Policies Read': p('Zone', 'Access: Apps and Policies', 'Read'),
  'Access: Apps and Policies Revoke': p('Zone', 'Access: Apps and Policies', 'Revoke'),
  'Access: Apps and Policies Write': p('Zone', 'Access: Apps and Policies', 'Edit'),
  'Access: Mutual TLS Certificates Write': p('Zone', 'Access: Mutual TLS Certificates', 'Edit'),
  'Access: Organizations, Identity Providers, and Groups Write': p(
    'Account',
    'Access: Organizations, Identity Providers, and Groups',
    'Edit',
  ),
  'Account API Tokens Read': p('Account', 'Account API Tokens', 'Read'),
  'Account API Tokens Write': p('Account', 'Account API Tokens', 'Edit'),
  'Analytics Read': p('Zone', 'Analytics', 'Read'),
  'Apps Write': p('Zone', 'Apps', 'Edit'),
  'Cache Purge': p('Zone', 'Cache Purge', 'Purge'),
  'DNS Read': p('Zone', 'DNS', 'Read'),
  'DNS Write': p('Zone', 'DNS', 'Edit'),
  'Firewall Services Read': p('Zone', 'Firewall Services', 'Read'),
  'Firewall Services Write': p('Zone', 'Firewall Services', 'Edit'),
  'Load Balancers Read': p('Zone', 'Load Balancers', 'Read'),
  'Load Balancers Write': p('Zone', 'Load Balancers', 'Edit'),
  'Logs Read': p('Zone', 'Logs', 'Read'),
  'Logs Write': p('Zone', 'Logs', 'Edit'),
  'Page Rules Read': p('Zone', 'Page Rules', 'Read'),
  'Page Rules Write': p('Zone', 'Page Rules', 'Edit'),
  'Pages Read': p('Account', 'Cloudflare Pages', 'Read'),
  'Pages Write': p('Account', 'Cloudflare Pages', 'Edit'),
  'SSL and Certificates Read': p('Zone', 'SSL and Certificates', 'Read'),
  'SSL and Certificates Write': p('Zone', 'SSL and Certificates', 'Edit'),
  'Stream Read': p('Account', 'Stream', 'Read'),
  'Stream Write': p('Account', 'Stream', 'Edit'),
  'Trust and Safety Read': p('Account', 'Trust and Safety', 'Read'),
  'Trust and Safety Write': p('Account', 'Trust and Safety', 'Edit'),
  'Workers KV Storage Read': p('Account', 'Workers KV Storage', 'Read'),
  'Workers KV Storage Write': p('Account', 'Workers KV Storage', 'Edit'),
  'Workers Routes Read': p('Zone', 'Workers Routes', 'Read'),
  'Workers Routes Write': p('Zone', 'Workers Routes', 'Edit'),
  'Workers Scripts Read': p('Account', 'Workers Scripts', 'Read'),
  'Workers Scripts Write': p('Account', 'Workers Scripts', 'Edit'),
  'Workers Tail Read': p('Account', 'Workers Tail', 'Read'),
  'Zaraz Admin': p('Zone', 'Zaraz', 'Admin'),
  'Zaraz Edit': p('Zone', 'Zaraz', 'Edit'),
  'Zaraz Read': p('Zone', 'Zaraz', 'Read'),
  'Zero Trust: PII Read': p('Account', 'Zero Trust: PII', 'Read'),
  'Zone DNS Edit': p('Zone', 'DNS', 'Edit'),
  'Zone Read': p('Zone', 'Zone', 'Read'),
  'Zone Settings Read': p('Zone', 'Zone Settings', 'Read'),
  'Zone Settings Write': p('Zone', 'Zone Settings', 'Edit'),
  'Zone Write': p('Zone', 'Zone', 'Edit'),
  'Zone Zone Edit': p('Zone', 'Zone', 'Edit'),
  'Zone Zone Read': p('Zone', 'Zone', 'Read'),
};

/** "Zone → DNS → Edit" for a schema group name; undefined for a name the schema never uses. */
export function dashboardName(group: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(DASHBOARD_PERMISSIONS, group)) return undefined;
  const d = DASHBOARD_PERMISSIONS[group as PermissionGroupName];
  return `${d.scope} → ${d.resource} → ${d.access}`;
}
