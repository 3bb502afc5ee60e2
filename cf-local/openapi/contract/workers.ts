/** Contract scenarios: Worker scripts, their non-versioned settings, the workers.dev subdomain and Worker routes. */
import { describe, expect, it } from 'vitest';
import { TOKENS, UNKNOWN_ID, expectAnswer, resultOf, type ContractEnv } from './env.ts';

function upload(main = 'router.mjs'): FormData {
  const form = new FormData();
  form.set('metadata', JSON.stringify({ main_module: main, compatibility_date: '2025-01-01', bindings: [] }));
  form.set(
    main,
    new Blob(['export default { fetch() { return new Response("router"); } };'], { type: 'application/javascript+module' }),
    main,
  );
  return form;
}

export function workersContract(env: () => ContractEnv): void {
  describe('Workers scripts and routes', () => {
    const scripts = () => `/accounts/${env().cf.accountId}/workers/scripts`;
    const routes = () => `/zones/${env().cf.zone.id}/workers/routes`;
    let routeId = '';

    it('uploads a module Worker and downloads it; an unknown script is 404', async () => {
      const { api } = env();
      expectAnswer(await api.call('PUT', `${scripts()}/contract-router`, { form: upload() }), 200);
      const got = await api.call('GET', `${scripts()}/contract-router`);
      expectAnswer(got, 200);
      expectAnswer(await api.call('GET', `${scripts()}/no-such-worker`), 404, 10007);
    });

    it('reports the uploaded script as one version deployed at 100 %', async () => {
      const { api } = env();
      const deployments = await api.call('GET', `${scripts()}/contract-router/deployments`);
      expectAnswer(deployments, 200);
      const versions = await api.call('GET', `${scripts()}/contract-router/versions`);
      expectAnswer(versions, 200);
      const items = (resultOf<{ items: { id: string }[] }>(versions)).items;
      expect(items.length).toBe(1);
      const live = resultOf<{ deployments: { versions: unknown[] }[] }>(deployments).deployments;
      expect(live.length).toBe(1);
      expect(live[0]!.versions).toEqual([{ version_id: items[0]!.id, percentage: 100 }]);
      expectAnswer(await api.call('GET', `${scripts()}/contract-router/versions/${items[0]!.id}`), 200);
    });

    it('refuses an upload without its metadata part, and a token without Workers Scripts Write', async () => {
      const { api } = env();
      const form = new FormData();
      form.set('router.mjs', new Blob(['export default {}'], { type: 'application/javascript+module' }), 'router.mjs');
      const missing = await api.call('PUT', `${scripts()}/contract-router`, { form });
      expectAnswer(missing, 400);
      expect(JSON.stringify(missing.body)).toContain('metadata');
      expectAnswer(await api.call('PUT', `${scripts()}/contract-router`, { form: upload(), token: TOKENS.limited }), 403, 10000);
    });

    it('reads and patches the non-versioned script settings; refuses a wrong type, an unknown script and a token without Write', async () => {
      const { api } = env();
      const settings = `${scripts()}/contract-router/script-settings`;
      const got = await api.call('GET', settings);
      expectAnswer(got, 200);
      expect(resultOf<{ logpush: boolean }>(got).logpush).toBe(false);
      const patched = await api.call('PATCH', settings, { json: { logpush: true, tags: ['contract'] } });
      expectAnswer(patched, 200);
      expect(resultOf(patched)).toMatchObject({ logpush: true, tags: ['contract'] });
      const bad = await api.call('PATCH', settings, { json: { logpush: 'yes' } });
      expectAnswer(bad, 400);
      expect(JSON.stringify(bad.body)).toContain('body.logpush');
      expectAnswer(await api.call('GET', `${scripts()}/no-such-worker/script-settings`), 404, 10007);
      expectAnswer(await api.call('PATCH', settings, { token: TOKENS.limited, json: { logpush: false } }), 403, 10000);
    });

    it('answers the workers.dev subdomain', async () => {
      const { api, cf } = env();
      expectAnswer(await api.call('GET', `/accounts/${cf.accountId}/workers/subdomain`), 200);
    });

    it('creates a route, refuses the same pattern twice, lists, gets and updates it', async () => {
      const { api, cf } = env();
      const pattern = `*.apps.${cf.zone.name}/*`;
      const created = await api.call('POST', routes(), { json: { pattern, script: 'contract-router' } });
      routeId = resultOf<{ id: string }>(created).id;
      expectAnswer(created, 200);
      expectAnswer(await api.call('POST', routes(), { json: { pattern, script: 'contract-router' } }), 409, 10020);
      const list = await api.call('GET', routes());
      expectAnswer(list, 200);
      expect(resultOf<{ id: string }[]>(list).map((r) => r.id)).toContain(routeId);
      expectAnswer(await api.call('GET', `${routes()}/${routeId}`), 200);
      expectAnswer(await api.call('GET', `${routes()}/${UNKNOWN_ID}`), 404);
      expectAnswer(await api.call('PUT', `${routes()}/${routeId}`, { json: { pattern: `*.apps2.${cf.zone.name}/*`, script: 'contract-router' } }), 200);
      expectAnswer(await api.call('POST', routes(), { token: TOKENS.limited, json: { pattern: `x.${cf.zone.name}/*` } }), 403, 10000);
      const bad = await api.call('POST', routes(), { json: { script: 'contract-router' } });
      expectAnswer(bad, 400);
      expect(JSON.stringify(bad.body)).toContain('body.pattern');
    });

    it('deletes the route and the script', async () => {
      const { api } = env();
      expectAnswer(await api.call('DELETE', `${routes()}/${routeId}`), 200);
      expectAnswer(await api.call('DELETE', `${routes()}/${routeId}`), 404);
      expectAnswer(await api.call('DELETE', `${scripts()}/contract-router`), 200);
      expectAnswer(await api.call('DELETE', `${scripts()}/contract-router`), 404, 10007);
    });
  });
}
