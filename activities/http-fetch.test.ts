import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from './http-fetch.ts';

let server: http.Server;
let base: string;
const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/hang') return; // never answers
      if (req.url === '/empty') return void res.writeHead(204).end();
      if (req.url === '/reset') return void req.socket.destroy();
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end(JSON.stringify({ success: req.url !== '/missing', echo: Buffer.concat(chunks).toString('utf8') }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the fetch the Cloudflare SDK is given', () => {
  it('sends method, headers (a Headers object or a plain one) and a string body, and answers like fetch', async () => {
    const res = await httpFetch(`${base}/x?y=1`, { method: 'PUT', headers: new Headers({ authorization: 'Bearer t', 'content-type': 'application/json' }), body: '{"a":1}' });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ success: true, echo: '{"a":1}' });
    const got = seen.at(-1)!;
    expect([got.method, got.url, got.headers.authorization, got.headers['content-type']]).toEqual(['PUT', '/x?y=1', 'Bearer t', 'application/json']);

    await httpFetch(new URL(`${base}/plain`), { headers: { accept: 'application/json' } });
    expect(seen.at(-1)!.headers.accept).toBe('application/json');
  });

  it('passes error statuses through and gives 204 no body', async () => {
    const missing = await httpFetch(`${base}/missing`);
    expect([missing.status, missing.ok]).toEqual([404, false]);
    expect(await missing.json()).toMatchObject({ success: false });
    const empty = await httpFetch(`${base}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('hands multipart forms to the built-in fetch', async () => {
    const form = new FormData();
    form.set('manifest', '{"/index.html":"abc"}');
    const res = await httpFetch(`${base}/form`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(seen.at(-1)!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.at(-1)!.body).toContain('{"/index.html":"abc"}');
  });

  it('rejects an aborted call with the signal’s reason (the SDK’s timeout) and a dropped connection as fetch failed', async () => {
    const controller = new AbortController();
    const hung = httpFetch(`${base}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(hung).rejects.toMatchObject({ name: 'AbortError' });

    await expect(httpFetch(`${base}/reset`)).rejects.toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  });
});
