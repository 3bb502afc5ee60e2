/** Contract scenarios: Workers KV namespaces, values, metadata, keys and bulk operations. */
import { describe, expect, it } from 'vitest';
import { TOKENS, UNKNOWN_ID, appliedMutations, expectAnswer, resultOf, type ContractEnv } from './env.ts';

export function kvContract(env: () => ContractEnv): void {
  describe('Workers KV', () => {
    const namespaces = () => `/accounts/${env().cf.accountId}/storage/kv/namespaces`;
    let ns = '';
    const values = (key: string) => `${namespaces()}/${ns}/values/${encodeURIComponent(key)}`;

    it('creates a namespace, and refuses a second one with the same title', async () => {
      const { api } = env();
      const created = await api.call('POST', namespaces(), { json: { title: 'contract-routes' } });
      ns = resultOf<{ id: string }>(created).id;
      expectAnswer(created, 200);
      const again = await api.call('POST', namespaces(), { json: { title: 'contract-routes' } });
      expectAnswer(again, 400, 10014);
    });

    it('lists, gets and renames namespaces; an unknown one is 404', async () => {
      const { api } = env();
      const list = await api.call('GET', namespaces());
      expectAnswer(list, 200);
      expect(resultOf<{ id: string }[]>(list).map((n) => n.id)).toContain(ns);
      expectAnswer(await api.call('GET', `${namespaces()}/${ns}`), 200);
      expectAnswer(await api.call('GET', `${namespaces()}/${UNKNOWN_ID}`), 404, 10013);
      expectAnswer(await api.call('PUT', `${namespaces()}/${ns}`, { json: { title: 'contract-routes-renamed' } }), 200);
    });

    it('writes a value as raw bytes and as multipart with metadata, reads both back', async () => {
      const { api } = env();
      expectAnswer(await api.call('PUT', values('app:active'), { raw: { body: '{"v":1}', contentType: 'application/octet-stream' } }), 200);
      const form = new FormData();
      form.set('value', 'route table');
      form.set('metadata', JSON.stringify({ version: 'v1' }));
      expectAnswer(await api.call('PUT', values('app/routes:v1'), { form }), 200);
      const read = await api.call('GET', values('app:active'));
      expectAnswer(read, 200);
      expect(read.body).toBe('{"v":1}');
      const meta = await api.call('GET', `${namespaces()}/${ns}/metadata/${encodeURIComponent('app/routes:v1')}`);
      expectAnswer(meta, 200);
      expect(resultOf(meta)).toEqual({ version: 'v1' });
    });

    it('answers 404 for a missing key and its metadata', async () => {
      const { api } = env();
      expectAnswer(await api.call('GET', values('missing')), 404, 10009);
      expectAnswer(await api.call('GET', `${namespaces()}/${ns}/metadata/missing`), 404);
    });

    it('refuses a key longer than 512 bytes and changes nothing', async () => {
      const { api, cf } = env();
      const before = appliedMutations(cf);
      // 257 characters, 514 bytes: inside the schema's maxLength, over the byte limit.
      const wide = await api.call('PUT', values('é'.repeat(257)), { raw: { body: 'x', contentType: 'application/octet-stream' } });
      expect(wide.status).toBeGreaterThanOrEqual(400);
      expectAnswer(wide, wide.status);
      // 513 characters: past the schema's own maxLength too.
      const long = await api.call('PUT', values('k'.repeat(513)), { raw: { body: 'x', contentType: 'application/octet-stream' } });
      expect([400, 414]).toContain(long.status);
      expectAnswer(long, long.status);
      expect(appliedMutations(cf)).toBe(before);
    });

    it('refuses a token without Workers KV Storage Write with 403 code 10000', async () => {
      const { api, cf } = env();
      const before = appliedMutations(cf);
      expectAnswer(await api.call('PUT', values('app:active'), { token: TOKENS.limited, raw: { body: 'x', contentType: 'application/octet-stream' } }), 403, 10000);
      expectAnswer(await api.call('GET', values('app:active'), { token: TOKENS.limited }), 403, 10000);
      expect(appliedMutations(cf)).toBe(before);
    });

    it('lists keys with a cursor envelope, writes and reads in bulk', async () => {
      const { api } = env();
      const keys = await api.call('GET', `${namespaces()}/${ns}/keys`, { query: { prefix: 'app' } });
      expectAnswer(keys, 200);
      expect(resultOf<{ name: string }[]>(keys).map((k) => k.name).sort()).toEqual(['app/routes:v1', 'app:active']);
      expectAnswer(await api.call('PUT', `${namespaces()}/${ns}/bulk`, { json: [{ key: 'bulk:a', value: 'A' }, { key: 'bulk:b', value: 'Qg==', base64: true }] }), 200);
      const got = await api.call('POST', `${namespaces()}/${ns}/bulk/get`, { json: { keys: ['bulk:a', 'bulk:b'] } });
      expectAnswer(got, 200);
      expect(resultOf(got)).toMatchObject({ values: { 'bulk:a': 'A', 'bulk:b': 'B' } });
      const invalid = await api.call('PUT', `${namespaces()}/${ns}/bulk`, { json: [{ key: 'bulk:c' }] });
      expectAnswer(invalid, 400);
      expect(JSON.stringify(invalid.body)).toContain('body[0].value');
    });

    it('deletes in bulk through both the current and the deprecated endpoint', async () => {
      const { api } = env();
      expectAnswer(await api.call('POST', `${namespaces()}/${ns}/bulk/delete`, { json: ['bulk:a'] }), 200);
      expectAnswer(await api.call('DELETE', `${namespaces()}/${ns}/bulk`, { json: ['bulk:b'] }), 200);
      const gone = await api.call('POST', `${namespaces()}/${ns}/bulk/get`, { json: { keys: ['bulk:a', 'bulk:b'] } });
      expectAnswer(gone, 200);
      expect(resultOf(gone)).toMatchObject({ values: { 'bulk:a': null, 'bulk:b': null } });
    });

    it('deletes a key, then the namespace; both are gone afterwards', async () => {
      const { api } = env();
      expectAnswer(await api.call('DELETE', values('app:active')), 200);
      expectAnswer(await api.call('GET', values('app:active')), 404);
      expectAnswer(await api.call('DELETE', `${namespaces()}/${ns}`), 200);
      expectAnswer(await api.call('GET', `${namespaces()}/${ns}`), 404, 10013);
      expectAnswer(await api.call('DELETE', `${namespaces()}/${ns}`), 404, 10013);
    });
  });
}
