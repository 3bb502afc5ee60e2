/**
 * Contract scenarios: Worker versions, deployments, static assets uploads and workers.dev (the
 * account's subdomain and a script's switches), in the order `wrangler deploy` drives them:
 * assets session → bucket upload → version → deployment; then what the edge serves.
 */
import { describe, expect, it } from 'vitest';
import { TOKENS, UNKNOWN_ID, expectAnswer, resultOf, type ContractEnv } from './env.ts';

const SCRIPT = 'contract-versions';
/** Asset contents by manifest path, with made-up 32-hex hashes (the emulator stores bytes by the hash it is given). */
const FILES = {
  '/index.html': { hash: 'c0ffee00c0ffee00c0ffee00c0ffee01', body: '<h1>contract assets</h1>', type: 'text/html' },
  '/app.css': { hash: 'c0ffee00c0ffee00c0ffee00c0ffee02', body: 'h1 { color: teal }', type: 'text/css' },
} as const;
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

function manifest() {
  return Object.fromEntries(Object.entries(FILES).map(([p, f]) => [p, { hash: f.hash, size: f.body.length }]));
}

/** One bucket as wrangler sends it: a part per hash, named by the hash, holding the base64 content. */
function bucket(paths: (keyof typeof FILES)[], extra: Record<string, string> = {}): FormData {
  const form = new FormData();
  for (const p of paths) {
    const f = FILES[p];
    form.set(f.hash, new File([Buffer.from(f.body).toString('base64')], f.hash, { type: f.type }));
  }
  for (const [hash, body] of Object.entries(extra)) form.set(hash, new File([Buffer.from(body).toString('base64')], hash, { type: 'text/plain' }));
  return form;
}

/** A version upload body: one module answering `text`, optionally with the assets completion JWT and binding. */
function versionForm(text: string, opts: { jwt?: string; binding?: boolean; message?: string } = {}): FormData {
  const form = new FormData();
  const bindings = opts.binding ? [{ type: 'assets', name: 'ASSETS' }] : [];
  form.set(
    'metadata',
    JSON.stringify({
      main_module: 'index.mjs',
      compatibility_date: '2025-01-01',
      bindings,
      ...(opts.jwt ? { assets: { jwt: opts.jwt, config: { html_handling: 'auto-trailing-slash' } } } : {}),
      ...(opts.message ? { annotations: { 'workers/message': opts.message } } : {}),
    }),
  );
  const code = `export default { fetch(req, env) { return new URL(req.url).pathname === '/via-binding' ? env.ASSETS.fetch(new URL('/app.css', req.url)) : new Response(${JSON.stringify(text)}); } };`;
  form.set('index.mjs', new File([code], 'index.mjs', { type: 'application/javascript+module' }));
  return form;
}

interface Deployment {
  id: string;
  versions: { version_id: string; percentage: number }[];
}

export function workersVersionsContract(env: () => ContractEnv): void {
  describe('Workers versions, deployments, assets and workers.dev', () => {
    const account = () => `/accounts/${env().cf.accountId}/workers`;
    const script = () => `${account()}/scripts/${SCRIPT}`;
    let uploadJwt = '';
    let completionJwt = '';
    let first = '';
    let second = '';

    it('sets the account workers.dev subdomain, refusing one that is not a DNS label', async () => {
      const { api } = env();
      const set = await api.call('PUT', `${account()}/subdomain`, { json: { subdomain: 'contract-sub' } });
      expectAnswer(set, 200);
      expect(resultOf(set)).toEqual({ subdomain: 'contract-sub' });
      expect(resultOf(await api.call('GET', `${account()}/subdomain`))).toEqual({ subdomain: 'contract-sub' });
      expectAnswer(await api.call('PUT', `${account()}/subdomain`, { json: { subdomain: 'Not_A_Label!' } }), 400, 10032);
      expectAnswer(await api.call('PUT', `${account()}/subdomain`, { json: {} }), 400);
      expectAnswer(await api.call('PUT', `${account()}/subdomain`, { json: { subdomain: 'x' }, token: TOKENS.limited }), 403, 10000);
      // Back to the default, so later scenarios and hosts read as the README says.
      expectAnswer(await api.call('PUT', `${account()}/subdomain`, { json: { subdomain: 'nextdeploy-local' } }), 200);
    });

    it('opens an assets upload session: the missing files in buckets and an upload JWT; refuses a bad manifest', async () => {
      const { api } = env();
      const session = await api.call('POST', `${script()}/assets-upload-session`, { json: { manifest: manifest() } });
      expectAnswer(session, 200);
      const r = resultOf<{ jwt: string; buckets: string[][] }>(session);
      expect(r.buckets.flat().sort()).toEqual(Object.values(FILES).map((f) => f.hash).sort());
      uploadJwt = r.jwt;
      expectAnswer(await api.call('POST', `${script()}/assets-upload-session`, { json: { manifest: { 'no-slash': { hash: 'zz', size: 1 } } } }), 400, 10021);
      const missing = await api.call('POST', `${script()}/assets-upload-session`, { json: {} });
      expectAnswer(missing, 400);
      expect(JSON.stringify(missing.body)).toContain('body.manifest');
    });

    it('uploads the buckets with the upload JWT: 202 while files are missing, 201 with the completion JWT', async () => {
      const { api, cf } = env();
      const upload = `/accounts/${cf.accountId}/workers/assets/upload`;
      const query = { base64: 'true' };
      const forged = `${uploadJwt.slice(0, uploadJwt.lastIndexOf('.'))}.${'A'.repeat(43)}`;
      expectAnswer(await api.call('POST', upload, { query, form: bucket(['/index.html']), token: forged }), 401, 10000);
      expectAnswer(await api.call('POST', upload, { query, form: bucket(['/index.html']), token: null }), 401, 10000);
      // An API token is not an upload JWT.
      expectAnswer(await api.call('POST', upload, { query, form: bucket(['/index.html']) }), 401, 10000);
      const stray = await api.call('POST', upload, { query, form: bucket([], { [UNKNOWN_ID]: 'not in the manifest' }), token: uploadJwt });
      expectAnswer(stray, 400, 10021);
      expect(JSON.stringify(stray.body)).toContain(UNKNOWN_ID);
      // A part name is a lookup key: one that is no hash is refused, never treated as stored.
      expectAnswer(await api.call('POST', upload, { query, form: bucket([], Object.fromEntries([['__proto__', 'x'], ['constructor', 'y']])), token: uploadJwt }), 400, 10021);
      expectAnswer(await api.call('POST', upload, { form: bucket(['/index.html']), token: uploadJwt }), 400);

      const partial = await api.call('POST', upload, { query, form: bucket(['/index.html']), token: uploadJwt });
      expectAnswer(partial, 202);
      expect(resultOf(partial)).toEqual({});
      const done = await api.call('POST', upload, { query, form: bucket(['/app.css']), token: uploadJwt });
      expectAnswer(done, 201);
      completionJwt = resultOf<{ jwt: string }>(done).jwt;
      expect(completionJwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    });

    it('asks for nothing once every file is stored: the session answers the completion JWT straight away', async () => {
      const { api } = env();
      const again = await api.call('POST', `${script()}/assets-upload-session`, { json: { manifest: manifest() } });
      expectAnswer(again, 200);
      expect(resultOf<{ buckets: string[][] }>(again).buckets).toEqual([]);
    });

    it('uploads versions with assets; refuses an assets binding without assets, a spent token and an unknown script', async () => {
      const { api } = env();
      // The versions API needs the script to exist: the first version is a script upload.
      expectAnswer(await api.call('POST', `${account()}/scripts/no-such-worker/versions`, { form: versionForm('x') }), 404, 10007);
      expectAnswer(await api.call('PUT', script(), { form: versionForm('first') }), 200);
      const listed = await api.call('GET', `${script()}/versions`);
      first = resultOf<{ items: { id: string }[] }>(listed).items[0]!.id;

      expectAnswer(await api.call('POST', `${script()}/versions`, { form: versionForm('second', { binding: true }) }), 400, 10021);
      expectAnswer(await api.call('POST', `${script()}/versions`, { form: versionForm('second', { jwt: uploadJwt, binding: true }) }), 400, 10021);
      const created = await api.call('POST', `${script()}/versions`, { form: versionForm('second', { jwt: completionJwt, binding: true, message: 'contract' }) });
      expectAnswer(created, 200);
      const v = resultOf<{ id: string; number: number; annotations?: Record<string, string>; resources: { bindings: { type: string }[] } }>(created);
      second = v.id;
      expect(v.number).toBe(2);
      expect(v.annotations?.['workers/message']).toBe('contract');
      expect(v.resources.bindings.map((b) => b.type)).toEqual(['assets']);
      expectAnswer(await api.call('POST', `${script()}/versions`, { form: versionForm('x'), token: TOKENS.limited }), 403, 10000);
      const noMeta = new FormData();
      noMeta.set('index.mjs', new File(['export default {}'], 'index.mjs', { type: 'application/javascript+module' }));
      expectAnswer(await api.call('POST', `${script()}/versions`, { form: noMeta }), 400);
    });

    it('moves traffic by percentage; refuses an unknown version (10220) and percentages that do not add up to 100', async () => {
      const { api } = env();
      const deployments = `${script()}/deployments`;
      const unknown = await api.call('POST', deployments, { json: { strategy: 'percentage', versions: [{ version_id: UNKNOWN_UUID, percentage: 100 }] } });
      expectAnswer(unknown, 404, 10220);
      const short = await api.call('POST', deployments, {
        json: { strategy: 'percentage', versions: [{ version_id: first, percentage: 60 }, { version_id: second, percentage: 30 }] },
      });
      expectAnswer(short, 400, 10021);
      expect(JSON.stringify(short.body)).toContain('100');
      expectAnswer(await api.call('POST', deployments, { json: { strategy: 'percentage', versions: [{ version_id: second, percentage: 100 }] }, token: TOKENS.limited }), 403, 10000);

      const split = await api.call('POST', deployments, {
        json: { strategy: 'percentage', versions: [{ version_id: first, percentage: 50 }, { version_id: second, percentage: 50 }], annotations: { 'workers/message': 'half' } },
      });
      expectAnswer(split, 200);
      const moved = await api.call('POST', deployments, { json: { strategy: 'percentage', versions: [{ version_id: second, percentage: 100 }] } });
      expectAnswer(moved, 200);
      const id = resultOf<Deployment>(moved).id;
      const got = await api.call('GET', `${deployments}/${id}`);
      expectAnswer(got, 200);
      expect(resultOf<Deployment>(got).versions).toEqual([{ version_id: second, percentage: 100 }]);
      const list = resultOf<{ deployments: Deployment[] }>(await api.call('GET', deployments)).deployments;
      expect(list[0]!.id).toBe(id);
      expect(list.map((d) => d.id)).toContain(resultOf<Deployment>(split).id);
      // The emulator's answer (handlers/workers-deploys.ts); Cloudflare's own code for it is not published.
      expectAnswer(await api.call('GET', `${deployments}/${UNKNOWN_UUID}`), 400, 10021);
    });

    it('switches the script on workers.dev and its Preview URLs; the edge serves both, then neither', async () => {
      const { api, cf } = env();
      const sub = `${script()}/subdomain`;
      expect(resultOf(await api.call('GET', sub))).toEqual({ enabled: false, previews_enabled: false });
      expectAnswer(await api.call('GET', `${account()}/scripts/no-such-worker/subdomain`), 404, 10007);
      const bad = await api.call('POST', sub, { json: { previews_enabled: true } });
      expectAnswer(bad, 400);
      expect(JSON.stringify(bad.body)).toContain('body.enabled');
      expectAnswer(await api.call('POST', sub, { json: { enabled: true }, token: TOKENS.limited }), 403, 10000);
      const on = await api.call('POST', sub, { json: { enabled: true, previews_enabled: true } });
      expectAnswer(on, 200);
      expect(resultOf(on)).toEqual({ enabled: true, previews_enabled: true });
      expectAnswer(await api.call('GET', sub), 200);

      const host = `${SCRIPT}.nextdeploy-local.workers.dev`;
      // A path with an asset is the asset (assets answer before the Worker); any other path is the Worker.
      expect((await cf.edgeRequest(host, '/')).body).toBe(FILES['/index.html'].body);
      expect((await cf.edgeRequest(host, '/worker')).body).toBe('second');
      expect((await cf.edgeRequest(host, '/app.css')).body).toBe(FILES['/app.css'].body);
      expect((await cf.edgeRequest(host, '/via-binding')).body).toBe(FILES['/app.css'].body);
      expect((await cf.edgeRequest(`${first.slice(0, 8)}-${host}`, '/')).body).toBe('first');
      expect((await cf.edgeRequest(`${second.slice(0, 8)}-${host}`, '/worker')).body).toBe('second');

      const off = await api.call('DELETE', sub);
      expectAnswer(off, 200);
      expect(resultOf(off)).toEqual({ enabled: false, previews_enabled: false });
      expect((await cf.edgeRequest(host, '/worker')).status).toBe(404);
      expect((await cf.edgeRequest(`${second.slice(0, 8)}-${host}`, '/worker')).status).toBe(404);
      expectAnswer(await api.call('DELETE', `${account()}/scripts/no-such-worker/subdomain`), 404, 10007);
      expectAnswer(await api.call('DELETE', script()), 200);
    });
  });
}
