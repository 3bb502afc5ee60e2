/** Contract scenarios: token verification, permission groups, token details, zones, DNS records. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_ID } from '../../constants.ts';
import { TOKENS, UNKNOWN_ID, appliedMutations, expectAnswer, resultOf, type ContractEnv } from './env.ts';

export function identityContract(env: () => ContractEnv): void {
  describe('identity and zones', () => {
    it('verifies a valid token (user and account) and refuses an invalid or disabled one with 401 code 1000', async () => {
      const { api, cf } = env();
      const user = await api.call('GET', '/user/tokens/verify');
      expectAnswer(user, 200);
      expect(resultOf(user)).toMatchObject({ status: 'active' });
      expectAnswer(await api.call('GET', `/accounts/${cf.accountId}/tokens/verify`), 200);
      expectAnswer(await api.call('GET', '/user/tokens/verify', { token: 'not-a-token' }), 401, 1000);
      expectAnswer(await api.call('GET', '/user/tokens/verify', { token: TOKENS.disabled }), 401, 1000);
      expectAnswer(await api.call('GET', `/accounts/${cf.accountId}/tokens/verify`, { token: 'not-a-token' }), 401, 1000);
    });

    it('lists permission groups and shows a token with its policies', async () => {
      const { api, cf } = env();
      expectAnswer(await api.call('GET', '/user/tokens/permission_groups'), 200);
      expectAnswer(await api.call('GET', `/accounts/${cf.accountId}/tokens/permission_groups`), 200);
      expectAnswer(await api.call('GET', `/user/tokens/${DEFAULT_TOKEN_ID}`), 200);
      expectAnswer(await api.call('GET', `/accounts/${cf.accountId}/tokens/${DEFAULT_TOKEN_ID}`), 200);
      const unknown = await api.call('GET', `/user/tokens/${UNKNOWN_ID}`);
      expect(unknown.status).toBeGreaterThanOrEqual(400);
      expectAnswer(unknown, unknown.status);
      expectAnswer(await api.call('GET', '/user/tokens/permission_groups', { token: TOKENS.limited }), 403, 10000);
    });

    it('lists and gets zones; an unknown zone is a 4XX', async () => {
      const { api, cf } = env();
      const list = await api.call('GET', '/zones', { query: { name: cf.zone.name } });
      expectAnswer(list, 200);
      expect(resultOf<{ id: string }[]>(list).map((z) => z.id)).toContain(cf.zone.id);
      expectAnswer(await api.call('GET', `/zones/${cf.zone.id}`), 200);
      expectAnswer(await api.call('GET', `/zones/${cf.zone.id}`, { token: TOKENS.limited }), 200);
      const unknown = await api.call('GET', `/zones/${UNKNOWN_ID}`);
      expect(unknown.status).toBeGreaterThanOrEqual(400);
      expectAnswer(unknown, unknown.status);
    });
  });
}

export function dnsContract(env: () => ContractEnv): void {
  describe('DNS records', () => {
    const records = () => `/zones/${env().cf.zone.id}/dns_records`;
    const host = () => `contract.${env().cf.zone.name}`;
    let id = '';

    it('creates a CNAME, and refuses the same host again', async () => {
      const { api } = env();
      const body = { type: 'CNAME', name: host(), content: 'contract.pages.dev', ttl: 1, proxied: true };
      const created = await api.call('POST', records(), { json: body });
      id = resultOf<{ id: string }>(created).id;
      expectAnswer(created, 200);
      const again = await api.call('POST', records(), { json: body });
      expect(again.status).toBe(400);
      expectAnswer(again, 400);
    });

    it('lists with the dotted filters, past the last page empty, and gets one record', async () => {
      const { api } = env();
      const list = await api.call('GET', records(), { query: { 'name.exact': host(), type: 'CNAME' } });
      expectAnswer(list, 200);
      expect(resultOf<{ id: string }[]>(list).map((r) => r.id)).toEqual([id]);
      const past = await api.call('GET', records(), { query: { page: '9', per_page: '5' } });
      expectAnswer(past, 200);
      expect(resultOf<unknown[]>(past)).toEqual([]);
      expectAnswer(await api.call('GET', `${records()}/${id}`), 200);
      expectAnswer(await api.call('GET', `${records()}/${UNKNOWN_ID}`), 404, 81044);
    });

    it('edits (PATCH) and overwrites (PUT) a record', async () => {
      const { api } = env();
      const patched = await api.call('PATCH', `${records()}/${id}`, {
        json: { type: 'CNAME', name: host(), content: 'other.pages.dev', ttl: 1 },
      });
      expectAnswer(patched, 200);
      expect(resultOf(patched)).toMatchObject({ content: 'other.pages.dev' });
      const put = await api.call('PUT', `${records()}/${id}`, {
        json: { type: 'CNAME', name: host(), content: 'third.pages.dev', ttl: 300, proxied: false },
      });
      expectAnswer(put, 200);
      expectAnswer(await api.call('PATCH', `${records()}/${UNKNOWN_ID}`, { json: { type: 'A', name: host(), content: '198.51.100.4', ttl: 1 } }), 404);
    });

    it('refuses a token without DNS Write with 403 code 10000, and changes nothing', async () => {
      const { api, cf } = env();
      const before = appliedMutations(cf);
      const denied = await api.call('POST', records(), {
        token: TOKENS.limited,
        json: { type: 'A', name: `denied.${cf.zone.name}`, content: '198.51.100.4', ttl: 1 },
      });
      expectAnswer(denied, 403, 10000);
      expectAnswer(await api.call('DELETE', `${records()}/${id}`, { token: TOKENS.limited }), 403, 10000);
      expectAnswer(await api.call('GET', records(), { token: TOKENS.limited }), 403, 10000);
      expect(appliedMutations(cf)).toBe(before);
    });

    it('answers a body that violates the schema with 400 naming the field, and changes nothing', async () => {
      const { api, cf } = env();
      const before = appliedMutations(cf);
      const countBefore = resultOf<unknown[]>(await api.call('GET', records())).length;
      const bad = await api.call('POST', records(), { json: { type: 'CNAME', name: 42, content: 'x.pages.dev', ttl: 1 } });
      expectAnswer(bad, 400);
      expect(JSON.stringify(bad.body)).toContain('body.name');
      const badPatch = await api.call('PATCH', `${records()}/${id}`, { json: { type: 'CNAME', name: host(), content: 'x.pages.dev', ttl: 'soon' } });
      expectAnswer(badPatch, 400);
      expect(JSON.stringify(badPatch.body)).toContain('body.ttl');
      expect(appliedMutations(cf)).toBe(before);
      expect(resultOf<unknown[]>(await api.call('GET', records())).length).toBe(countBefore);
    });

    it('deletes a record once; a second delete is 404', async () => {
      const { api } = env();
      expectAnswer(await api.call('DELETE', `${records()}/${id}`), 200);
      expectAnswer(await api.call('DELETE', `${records()}/${id}`), 404, 81044);
    });
  });
}
