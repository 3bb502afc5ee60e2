/**
 * Contract scenarios: Workers Custom Domains. Attach (idempotent; another Worker's hostname only
 * with override_existing_origin; refused over a DNS record, outside the zone, in no zone, for an
 * unknown Worker), list with each filter, get, detach; the managed DNS record comes and goes.
 */
import { describe, expect, it } from 'vitest';
import { TOKENS, UNKNOWN_ID, expectAnswer, resultOf, type ContractEnv } from './env.ts';

const A = 'contract-domain-a';
const B = 'contract-domain-b';

function upload(text: string): FormData {
  const form = new FormData();
  form.set('metadata', JSON.stringify({ main_module: 'index.mjs', compatibility_date: '2025-01-01', bindings: [] }));
  form.set('index.mjs', new File([`export default { fetch() { return new Response(${JSON.stringify(text)}); } };`], 'index.mjs', { type: 'application/javascript+module' }));
  return form;
}

interface Domain {
  id: string;
  hostname: string;
  service: string;
  zone_id: string;
  zone_name: string;
  environment: string;
}

interface DnsRecord {
  id: string;
  type: string;
  content: string;
  proxied: boolean;
  meta: Record<string, unknown>;
}

export function workersDomainsContract(env: () => ContractEnv): void {
  describe('Workers Custom Domains', () => {
    const domains = () => `/accounts/${env().cf.accountId}/workers/domains`;
    const host = () => `shop.domains.${env().cf.zone.name}`;
    const records = async (name: string) => {
      const list = await env().api.call('GET', `/zones/${env().cf.zone.id}/dns_records`, { query: { name } });
      expectAnswer(list, 200);
      return resultOf<DnsRecord[]>(list);
    };
    let first: Domain;
    let moved: Domain;
    let cname = '';

    it('attaches a hostname to a Worker with its managed DNS record; the same attach again is the same domain', async () => {
      const { api, cf } = env();
      for (const s of [A, B]) expectAnswer(await api.call('PUT', `/accounts/${cf.accountId}/workers/scripts/${s}`, { form: upload(s) }), 200);
      const attached = await api.call('PUT', domains(), { json: { hostname: host(), service: A, zone_id: cf.zone.id } });
      expectAnswer(attached, 200);
      first = resultOf<Domain>(attached);
      expect(first).toMatchObject({ hostname: host(), service: A, zone_id: cf.zone.id, zone_name: cf.zone.name, environment: 'production' });
      // The zone is inferred from the hostname when the body names none.
      const again = await api.call('PUT', domains(), { json: { hostname: host(), service: A } });
      expectAnswer(again, 200);
      expect(resultOf<Domain>(again).id).toBe(first.id);
      const [rec, ...rest] = await records(host());
      expect(rest).toEqual([]);
      expect(rec).toMatchObject({ type: 'AAAA', content: '100::', proxied: true, meta: { read_only: true, origin_worker_id: A } });
    });

    it('lists with each of the schema filters and gets one by id', async () => {
      const { api, cf } = env();
      const ids = async (query: Record<string, string>) => {
        const r = await api.call('GET', domains(), { query });
        expectAnswer(r, 200);
        return resultOf<Domain[]>(r).map((d) => d.id);
      };
      expect(await ids({})).toContain(first.id);
      const filters: Record<string, string>[] = [{ zone_id: cf.zone.id }, { zone_name: cf.zone.name }, { service: A }, { hostname: host() }, { environment: 'production' }];
      for (const query of filters) {
        expect(await ids(query), JSON.stringify(query)).toEqual([first.id]);
      }
      expect(await ids({ service: B })).toEqual([]);
      const got = await api.call('GET', `${domains()}/${first.id}`);
      expectAnswer(got, 200);
      expect(resultOf<Domain>(got)).toEqual(first);
    });

    it('refuses another Worker on the hostname (409 100116) unless override_existing_origin moves it', async () => {
      const { api } = env();
      expectAnswer(await api.call('PUT', domains(), { json: { hostname: host(), service: B } }), 409, 100116);
      const over = await api.call('PUT', domains(), { json: { hostname: host(), service: B, override_existing_origin: true } });
      expectAnswer(over, 200);
      moved = resultOf<Domain>(over);
      expect(moved.service).toBe(B);
      expect(moved.id).not.toBe(first.id);
      expectAnswer(await api.call('GET', `${domains()}/${first.id}`), 404, 7003);
      expect((await records(host())).map((r) => r.meta.origin_worker_id)).toEqual([B]);
    });

    it('refuses a hostname with its own A/AAAA/CNAME record, outside its zone, in no zone, for an unknown Worker', async () => {
      const { api, cf } = env();
      const taken = `taken.domains.${cf.zone.name}`;
      const made = await api.call('POST', `/zones/${cf.zone.id}/dns_records`, { json: { type: 'CNAME', name: taken, content: 'elsewhere.example.com', ttl: 1, proxied: true } });
      expectAnswer(made, 200);
      cname = resultOf<{ id: string }>(made).id;
      expectAnswer(await api.call('PUT', domains(), { json: { hostname: taken, service: A } }), 409, 100117);
      expectAnswer(await api.call('PUT', domains(), { json: { hostname: 'x.elsewhere.test', service: A, zone_id: cf.zone.id } }), 400, 10083);
      expectAnswer(await api.call('PUT', domains(), { json: { hostname: 'x.elsewhere.test', service: A } }), 400, 10082);
      expectAnswer(await api.call('PUT', domains(), { json: { hostname: `nope.${cf.zone.name}`, service: 'no-such-worker' } }), 404, 10007);
      expectAnswer(await api.call('PUT', domains(), { json: { hostname: `*.${cf.zone.name}`, service: A } }), 400, 1004);
      // Nothing was attached by any of them.
      const list = await api.call('GET', domains());
      expect(resultOf<Domain[]>(list).map((d) => d.hostname)).toEqual([host()]);
    });

    it('refuses a body without hostname (schema), and a token without Workers Scripts Read/Write', async () => {
      const { api } = env();
      const bad = await api.call('PUT', domains(), { json: { service: A } });
      expectAnswer(bad, 400);
      expect(JSON.stringify(bad.body)).toContain('body.hostname');
      expectAnswer(await api.call('PUT', domains(), { token: TOKENS.limited, json: { hostname: host(), service: A } }), 403, 10000);
      expectAnswer(await api.call('GET', domains(), { token: TOKENS.limited }), 403, 10000);
      expectAnswer(await api.call('DELETE', `${domains()}/${moved.id}`, { token: TOKENS.limited }), 403, 10000);
    });

    it('detaches by id, removing the managed record; an unknown id is 404', async () => {
      const { api, cf } = env();
      expectAnswer(await api.call('DELETE', `${domains()}/${moved.id}`), 200);
      expect(await records(host())).toEqual([]);
      expectAnswer(await api.call('DELETE', `${domains()}/${moved.id}`), 404, 7003);
      expectAnswer(await api.call('GET', `${domains()}/${UNKNOWN_ID}`), 404, 7003);
      expectAnswer(await api.call('DELETE', `/zones/${cf.zone.id}/dns_records/${cname}`), 200);
      for (const s of [A, B]) expectAnswer(await api.call('DELETE', `/accounts/${cf.accountId}/workers/scripts/${s}`), 200);
    });
  });
}
