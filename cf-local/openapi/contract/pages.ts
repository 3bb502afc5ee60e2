/** Contract scenarios: Pages projects, Direct Upload, deployments and custom domains. */
import { describe, expect, it } from 'vitest';
import { TOKENS, appliedMutations, expectAnswer, resultOf, type ContractEnv } from './env.ts';

const HASH = 'a3b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';

interface Deployment {
  id: string;
  latest_stage?: { name: string; status: string };
}

export function pagesContract(env: () => ContractEnv): void {
  describe('Pages', () => {
    const projects = () => `/accounts/${env().cf.accountId}/pages/projects`;
    const project = () => `${projects()}/contract-direct`;
    let jwt = '';
    const deployments: string[] = [];

    async function deploy(): Promise<string> {
      const form = new FormData();
      form.set('manifest', JSON.stringify({ '/index.html': HASH }));
      form.set('branch', 'main');
      const created = await env().api.call('POST', `${project()}/deployments`, { form });
      const id = resultOf<Deployment>(created).id;
      deployments.push(id);
      expectAnswer(created, 200);
      return finished(id);
    }

    // A production build that finishes becomes the live deployment, so a scenario that reads
    // "live" waits for every build it started; otherwise a late build moves it underneath.
    async function finished(id: string): Promise<string> {
      for (let i = 0; i < 100; i++) {
        const got = await env().api.call('GET', `${project()}/deployments/${id}`);
        expectAnswer(got, 200);
        const stage = resultOf<Deployment>(got).latest_stage;
        if (stage?.name === 'deploy' && stage.status === 'success') return id;
        if (stage?.status === 'failure') throw new Error(`deployment ${id} failed`);
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`deployment ${id} did not finish`);
    }

    it('creates a project, refuses the same name, lists, gets and edits it', async () => {
      const { api } = env();
      expectAnswer(await api.call('POST', projects(), { json: { name: 'contract-direct', production_branch: 'main' } }), 200);
      expectAnswer(await api.call('POST', projects(), { json: { name: 'contract-direct', production_branch: 'main' } }), 409, 8000002);
      const list = await api.call('GET', projects());
      expectAnswer(list, 200);
      expect(resultOf<{ name: string }[]>(list).map((p) => p.name)).toContain('contract-direct');
      expectAnswer(await api.call('GET', project()), 200);
      expectAnswer(await api.call('GET', `${projects()}/no-such-project`), 404, 8000007);
      expectAnswer(await api.call('PATCH', project(), { json: { production_branch: 'main' } }), 200);
      expectAnswer(await api.call('POST', `${project()}/purge_build_cache`), 200);
      const bad = await api.call('POST', projects(), { json: { name: 7 } });
      expectAnswer(bad, 400);
      expect(JSON.stringify(bad.body)).toContain('body.name');
    });

    it('runs a Direct Upload: upload token, check-missing, upload, upsert-hashes, deployment', async () => {
      const { api } = env();
      const token = await api.call('GET', `${project()}/upload-token`);
      expectAnswer(token, 200);
      jwt = resultOf<{ jwt: string }>(token).jwt;
      const missing = await api.call('POST', '/pages/assets/check-missing', { token: jwt, json: { hashes: [HASH] } });
      expectAnswer(missing, 200);
      expect(resultOf(missing)).toEqual([HASH]);
      const file = { key: HASH, value: Buffer.from('<h1>hi</h1>').toString('base64'), metadata: { contentType: 'text/html' }, base64: true };
      expectAnswer(await api.call('POST', '/pages/assets/upload', { token: jwt, json: [file] }), 200);
      expectAnswer(await api.call('POST', '/pages/assets/upsert-hashes', { token: jwt, json: { hashes: [HASH] } }), 200);
      await deploy();
      await deploy();
    });

    it('refuses the assets calls without a valid upload JWT (401 code 8000013)', async () => {
      const { api } = env();
      expectAnswer(await api.call('POST', '/pages/assets/check-missing', { token: 'not.a.jwt', json: { hashes: [HASH] } }), 401, 8000013);
    });

    it('lists deployments, shows logs, retries and rolls back', async () => {
      const { api } = env();
      const list = await api.call('GET', `${project()}/deployments`);
      expectAnswer(list, 200);
      expect(resultOf<Deployment[]>(list).map((d) => d.id)).toEqual(expect.arrayContaining(deployments));
      expectAnswer(await api.call('GET', `${project()}/deployments/${deployments[0]}/history/logs`), 200);
      const retried = await api.call('POST', `${project()}/deployments/${deployments[0]}/retry`);
      expectAnswer(retried, 200);
      await finished(resultOf<Deployment>(retried).id);
      expectAnswer(await api.call('POST', `${project()}/deployments/${deployments[0]}/rollback`), 200);
      expectAnswer(await api.call('GET', `${project()}/deployments/0f0f0f0f-0000-4000-8000-000000000000`), 404, 8000009);
    });

    it('triggers a git deployment by branch', async () => {
      const { api, cf } = env();
      const form = new FormData();
      form.set('branch', 'main');
      expectAnswer(await api.call('POST', `/accounts/${cf.accountId}/pages/projects/contract-git/deployments`, { form }), 200);
    });

    it('refuses a token without Pages Write with 403 code 10000, and lets it read', async () => {
      const { api, cf } = env();
      const before = appliedMutations(cf);
      const form = new FormData();
      form.set('branch', 'main');
      expectAnswer(await api.call('POST', `${project()}/deployments`, { form, token: TOKENS.limited }), 403, 10000);
      expectAnswer(await api.call('POST', `${project()}/domains`, { json: { name: `x.${cf.zone.name}` }, token: TOKENS.limited }), 403, 10000);
      expectAnswer(await api.call('GET', `${project()}/upload-token`, { token: TOKENS.limited }), 403, 10000);
      expectAnswer(await api.call('GET', `${project()}/deployments`, { token: TOKENS.limited }), 200);
      expect(appliedMutations(cf)).toBe(before);
    });

    it('attaches a custom domain, refuses it twice, lists, gets, re-validates and detaches it', async () => {
      const { api, cf } = env();
      const name = `shop.${cf.zone.name}`;
      expectAnswer(await api.call('POST', `${project()}/domains`, { json: { name } }), 200);
      expectAnswer(await api.call('POST', `${project()}/domains`, { json: { name } }), 409, 8000018);
      expectAnswer(await api.call('GET', `${project()}/domains`), 200);
      expectAnswer(await api.call('GET', `${project()}/domains/${name}`), 200);
      expectAnswer(await api.call('PATCH', `${project()}/domains/${name}`), 200);
      expectAnswer(await api.call('DELETE', `${project()}/domains/${name}`), 200);
      expectAnswer(await api.call('GET', `${project()}/domains/${name}`), 404);
    });

    it('deletes a deployment that is not live, refuses the live one, then deletes the project', async () => {
      const { api } = env();
      const live = resultOf<{ canonical_deployment: { id: string } | null }>(await api.call('GET', project())).canonical_deployment?.id;
      expect(live).toBeDefined();
      const notLive = deployments.find((d) => d !== live)!;
      expectAnswer(await api.call('DELETE', `${project()}/deployments/${notLive}`), 200);
      expectAnswer(await api.call('DELETE', `${project()}/deployments/${live}`), 400, 8000034);
      expectAnswer(await api.call('DELETE', project()), 200);
      expectAnswer(await api.call('GET', project()), 404, 8000007);
    });
  });
}
