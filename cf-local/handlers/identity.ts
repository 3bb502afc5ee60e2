/** Tokens, user, memberships, accounts and zones. */
import type { TokenVerifyResponse } from 'cloudflare/resources/user/tokens/tokens';
import type { PermissionGroupListResponse } from 'cloudflare/resources/user/tokens/permission-groups';
import type { Token, TokenPolicy } from 'cloudflare/resources/shared';
import type { Zone } from 'cloudflare/resources/zones/zones';
import { LOCAL_ACCOUNT_ID, LOCAL_ACCOUNT_NAME, LOCAL_USER_EMAIL, LOCAL_USER_ID } from '../constants.ts';
import type { AccountModel } from '../account-model.ts';
import { Errors } from '../errors.ts';
import { paginate, type Ctx, type RouteDef } from '../api-routes.ts';
import type { TokenRecord } from '../state.ts';
import { listZones } from '../zones/model.ts';

function verifyResult(account: AccountModel, t: TokenRecord): TokenVerifyResponse {
  const r: TokenVerifyResponse = { id: t.id, status: account.tokenStatus(t) };
  if (t.expires_on) r.expires_on = t.expires_on;
  if (t.not_before) r.not_before = t.not_before;
  return r;
}

/** A token's details as the API gives them: one policy per resource scope, naming its permission groups. */
export function tokenDetails(account: AccountModel, t: TokenRecord): Token {
  const names = t.permissionGroups === '*' ? account.permissionGroups.map((g) => g.name) : t.permissionGroups;
  const groups = names.map((n) => account.permissionGroups.find((g) => g.name === n) ?? { id: n, name: n, scopes: ['com.cloudflare.api.account' as const] });
  const byScope = new Map<string, TokenPolicy.PermissionGroup[]>();
  for (const g of groups) {
    const scope = g.scopes[0] ?? 'com.cloudflare.api.account';
    const resource =
      scope === 'com.cloudflare.api.account.zone'
        ? `com.cloudflare.api.account.zone.*`
        : scope === 'com.cloudflare.api.user'
          ? `com.cloudflare.api.user.${LOCAL_USER_ID}`
          : `com.cloudflare.api.account.${LOCAL_ACCOUNT_ID}`;
    const list = byScope.get(resource) ?? [];
    list.push({ id: g.id, name: g.name });
    byScope.set(resource, list);
  }
  const policies: TokenPolicy[] = [...byScope.entries()].map(([resource, permission_groups], i) => ({
    id: `${t.id.slice(0, 24)}${String(i).padStart(8, '0')}`,
    effect: 'allow',
    resources: { [resource]: '*' },
    permission_groups,
  }));
  const out: Token = {
    id: t.id,
    name: t.name,
    status: account.tokenStatus(t),
    issued_on: t.issued_on,
    modified_on: t.modified_on,
    last_used_on: new Date().toISOString(),
    policies,
  };
  if (t.expires_on) out.expires_on = t.expires_on;
  return out;
}

/** The permission group names each policy grants (what a validator derives from token details). */
function groupList(account: AccountModel, ctx: Ctx): PermissionGroupListResponse[] {
  const name = ctx.query.get('name');
  const scope = ctx.query.get('scope');
  return account.permissionGroups
    .filter((g) => (!name || g.name === name) && (!scope || g.scopes.includes(scope as never)))
    .map((g) => ({ id: g.id, name: g.name, scopes: g.scopes, category: g.category, is_selectable: true }));
}

function tokenById(ctx: Ctx): TokenRecord {
  const t = ctx.account.tokens.find((x) => x.id === ctx.params.token_id);
  // Source: the token API's 404 for an unknown id (code 1003 "Invalid or missing token id").
  if (!t) throw Errors.invalidRequest('Invalid or missing token id');
  return t;
}

const verifyMessages = [{ code: 10000, message: 'This API Token is valid and active', type: null }];

export const identityRoutes: RouteDef[] = [
  {
    method: 'GET',
    template: '/user/tokens/verify',
    operation: 'user.tokens.verify',
    permissions: [],
    // Source (message): putyourlightson/craft-cloudflare#88 — `"messages":[{"code":10000,"message":"This API Token is valid and active","type":null}]`.
    handler: (ctx) => ({ result: verifyResult(ctx.account, ctx.token!), messages: verifyMessages }),
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/tokens/verify',
    operation: 'accounts.tokens.verify',
    permissions: [],
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return { result: verifyResult(ctx.account, ctx.token!), messages: verifyMessages };
    },
  },
  {
    method: 'GET',
    template: '/user/tokens/permission_groups',
    operation: 'user.tokens.permissionGroups.list',
    permissions: ['API Tokens Read', 'API Tokens Write'],
    handler: (ctx) => ({ result: groupList(ctx.account, ctx) }),
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/tokens/permission_groups',
    operation: 'accounts.tokens.permissionGroups.list',
    permissions: ['Account API Tokens Read', 'Account API Tokens Write'],
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return { result: groupList(ctx.account, ctx).filter((g) => !g.scopes?.includes('com.cloudflare.api.user')) };
    },
  },
  {
    method: 'GET',
    template: '/user/tokens',
    operation: 'user.tokens.list',
    permissions: ['API Tokens Read', 'API Tokens Write'],
    handler: (ctx) => paginate(ctx.account.tokens.map((t) => tokenDetails(ctx.account, t)), ctx.query, 20, 50),
  },
  {
    method: 'GET',
    template: '/user/tokens/{token_id}',
    operation: 'user.tokens.get',
    permissions: ['API Tokens Read', 'API Tokens Write'],
    handler: (ctx) => ({ result: tokenDetails(ctx.account, tokenById(ctx)) }),
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/tokens',
    operation: 'accounts.tokens.list',
    permissions: ['Account API Tokens Read', 'Account API Tokens Write'],
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return paginate(ctx.account.tokens.map((t) => tokenDetails(ctx.account, t)), ctx.query, 20, 50);
    },
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}/tokens/{token_id}',
    operation: 'accounts.tokens.get',
    permissions: ['Account API Tokens Read', 'Account API Tokens Write'],
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return { result: tokenDetails(ctx.account, tokenById(ctx)) };
    },
  },
  // --- user / memberships / accounts (wrangler asks these to learn who it is) -----------------
  {
    method: 'GET',
    template: '/user',
    operation: 'user.get',
    permissions: ['User Details Read', 'User Details Write'],
    handler: () => ({
      result: {
        id: LOCAL_USER_ID,
        email: LOCAL_USER_EMAIL,
        first_name: 'Local',
        last_name: 'Developer',
        username: 'local',
        telephone: null,
        country: null,
        zipcode: null,
        two_factor_authentication_enabled: false,
        two_factor_authentication_locked: false,
        has_pro_zones: false,
        has_business_zones: false,
        has_enterprise_zones: false,
        suspended: false,
        created_on: '2024-01-01T00:00:00Z',
        modified_on: '2024-01-01T00:00:00Z',
      },
    }),
  },
  {
    method: 'GET',
    template: '/memberships',
    operation: 'memberships.list',
    permissions: ['Memberships Read', 'Memberships Write'],
    handler: (ctx) =>
      paginate(
        [
          {
            id: LOCAL_USER_ID.split('').reverse().join(''),
            status: 'accepted',
            account: { id: LOCAL_ACCOUNT_ID, name: LOCAL_ACCOUNT_NAME },
            roles: ['Super Administrator - All Privileges'],
            permissions: {},
          },
        ],
        ctx.query,
        20,
        50,
      ),
  },
  {
    method: 'GET',
    template: '/accounts',
    operation: 'accounts.list',
    permissions: [],
    handler: (ctx) => paginate([accountObject()], ctx.query, 20, 50),
  },
  {
    method: 'GET',
    template: '/accounts/{account_id}',
    operation: 'accounts.get',
    permissions: ['Account Settings Read', 'Account Settings Write'],
    handler: (ctx) => {
      ctx.account.checkAccount(ctx.params.account_id);
      return { result: accountObject() };
    },
  },
  // --- zones ----------------------------------------------------------------------------------
  {
    method: 'GET',
    template: '/zones',
    operation: 'zones.list',
    permissions: ['Zone Read', 'Zone Write'],
    handler: (ctx) => {
      const q = ctx.query;
      const name = q.get('name') ?? q.get('name.exact');
      const status = q.get('status');
      const accountId = q.get('account.id');
      let zones: Zone[] = [...listZones(ctx.account.store)];
      if (name) zones = zones.filter((z) => z.name === name.toLowerCase());
      if (status) zones = zones.filter((z) => z.status === status);
      if (accountId) zones = zones.filter((z) => z.account.id === accountId);
      if (q.get('name.contains')) zones = zones.filter((z) => z.name.includes(q.get('name.contains')!));
      if (q.get('name.endswith')) zones = zones.filter((z) => z.name.endsWith(q.get('name.endswith')!));
      return paginate(zones, q, 20, 50);
    },
  },
  {
    method: 'GET',
    template: '/zones/{zone_id}',
    operation: 'zones.get',
    permissions: ['Zone Read', 'Zone Write'],
    handler: (ctx) => ({ result: ctx.account.zone(ctx.params.zone_id!) }),
  },
];

function accountObject() {
  return {
    id: LOCAL_ACCOUNT_ID,
    name: LOCAL_ACCOUNT_NAME,
    type: 'standard',
    settings: { enforce_twofactor: false, api_access_enabled: null, abuse_contact_email: null },
    created_on: '2024-01-01T00:00:00Z',
  };
}
