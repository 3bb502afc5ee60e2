/**
 * The request log with body sizes (`cf.requests()`): what the Workers upload benchmark
 * (bench/workers-upload.ts) counts as requests and bytes sent, so each entry must carry the
 * body as the client sent it, answered or refused, token or upload JWT.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalCloudflare, type LocalCloudflare } from './index.ts';

let cf: LocalCloudflare;

beforeAll(async () => {
  cf = await startLocalCloudflare();
});
afterAll(async () => {
  await cf?.stop();
});

const api = (path: string, init: RequestInit = {}, token: string | null = cf.token) =>
  fetch(`${cf.apiBaseUrl}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers } });

it('logs every answered request with its body size, after a mark', async () => {
  const mark = cf.requests().at(-1)?.seq ?? 0;
  const body = JSON.stringify({ title: 'request-log ü' });
  expect((await api(`/accounts/${cf.accountId}/storage/kv/namespaces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status).toBe(200);
  expect((await api(`/accounts/${cf.accountId}/storage/kv/namespaces`)).status).toBe(200);
  // Refused requests count too: the client sent them.
  expect((await api(`/accounts/${cf.accountId}/storage/kv/namespaces`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }, null)).status).toBe(400);
  // Bodies authenticated by an upload JWT instead of a token (the assets upload's shape).
  const form = new FormData();
  form.append('abc', new Blob(['x'.repeat(1000)]));
  const encoded = new Response(form);
  const multipart = new Uint8Array(await encoded.arrayBuffer());
  await api(`/accounts/${cf.accountId}/workers/assets/upload?base64=true`, { method: 'POST', body: multipart, headers: { 'content-type': encoded.headers.get('content-type')! } }, 'not-a-jwt');

  const logged = cf.requests(mark);
  expect(logged.map((r) => [r.method, r.status, r.requestBytes])).toEqual([
    ['POST', 200, Buffer.byteLength(body)],
    ['GET', 200, 0],
    ['POST', 400, 2],
    ['POST', expect.any(Number), multipart.length],
  ]);
  expect(logged[0]).toMatchObject({ operation: 'kv.namespaces.create', path: `/accounts/${cf.accountId}/storage/kv/namespaces` });
  expect(logged.every((r) => r.seq > mark)).toBe(true);
  // Copies: a caller cannot change the log.
  logged[0]!.requestBytes = -1;
  expect(cf.requests(mark)[0]!.requestBytes).toBe(Buffer.byteLength(body));
});
